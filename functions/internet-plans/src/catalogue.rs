//! The plan catalogue: WispHub's plan list mapped to our shape, cached 15 minutes per instance,
//! and the detail of one plan from the route its type has.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use shared::cache::Cache;
use shared::wisphub::plans::{PlanKind, list_plans, plan_detail};
use shared::wisphub::{UpstreamError, WispHub};
use utoipa::ToSchema;

const TTL: Duration = Duration::from_secs(15 * 60);

// A plan's `type` as our API spells it; the doc line below is the published schema's description,
// and the schema keeps its published name.
/// How WispHub provisions a plan; it decides which detail route exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = PlanKind)]
pub enum PlanType {
    #[serde(rename = "PPPoE")]
    Pppoe,
    #[serde(rename = "Simple Queue")]
    SimpleQueue,
    #[serde(rename = "PCQ")]
    Pcq,
    /// A type this API does not know; both detail routes are tried.
    #[serde(untagged)]
    Other(String),
}

impl From<PlanKind> for PlanType {
    fn from(kind: PlanKind) -> Self {
        match kind {
            PlanKind::Pppoe => PlanType::Pppoe,
            PlanKind::SimpleQueue => PlanType::SimpleQueue,
            PlanKind::Pcq => PlanType::Pcq,
            PlanKind::Other(label) => PlanType::Other(label),
        }
    }
}

impl PlanType {
    /// The WispHub kind behind this type, which decides the detail route.
    fn upstream(&self) -> PlanKind {
        match self {
            PlanType::Pppoe => PlanKind::Pppoe,
            PlanType::SimpleQueue => PlanKind::SimpleQueue,
            PlanType::Pcq => PlanKind::Pcq,
            PlanType::Other(label) => PlanKind::Other(label.clone()),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Plan {
    pub plan_id: i64,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: PlanType,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanDetail {
    pub plan_id: i64,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: PlanType,
    pub price: Option<f64>,
    pub download_speed: Option<String>,
    pub upload_speed: Option<String>,
    pub note: Option<String>,
}

pub struct Plans {
    cache: Cache<Vec<Plan>>,
}

impl Default for Plans {
    fn default() -> Self {
        Self::new()
    }
}

impl Plans {
    pub fn new() -> Self {
        Plans { cache: Cache::new(TTL) }
    }

    pub async fn all(&self, wisphub: &WispHub) -> Result<Arc<Vec<Plan>>, UpstreamError> {
        let wisphub = wisphub.clone();
        let snapshot = self
            .cache
            .get(move || async move {
                let records = list_plans(&wisphub).await?;
                Ok::<_, UpstreamError>(
                    records
                        .iter()
                        .map(|p| Plan { plan_id: p.id, name: p.nombre.clone(), kind: PlanKind::from(p).into() })
                        .collect(),
                )
            })
            .await?;
        Ok(snapshot.value)
    }

    /// The plan's detail; a plan missing from the (possibly stale) list is still tried on both
    /// detail routes, so a plan created minutes ago is found.
    pub async fn detail(&self, wisphub: &WispHub, plan_id: i64) -> Result<Option<PlanDetail>, UpstreamError> {
        let listed = self.all(wisphub).await?.iter().find(|p| p.plan_id == plan_id).cloned();
        let kind = listed.as_ref().map_or(PlanKind::Other(String::new()), |p| p.kind.upstream());
        if kind == PlanKind::Pcq {
            return Ok(listed.map(|plan| PlanDetail {
                plan_id,
                name: Some(plan.name),
                kind: PlanType::Pcq,
                price: None,
                download_speed: None,
                upload_speed: None,
                note: Some("WispHub no ofrece detalle (precio ni velocidades) para planes PCQ.".into()),
            }));
        }
        Ok(plan_detail(wisphub, plan_id, &kind).await?.map(|(found_kind, detail)| {
            let kind = if matches!(kind, PlanKind::Other(ref label) if !label.is_empty()) { kind } else { found_kind };
            PlanDetail {
                plan_id,
                name: detail.nombre.or_else(|| listed.as_ref().map(|p| p.name.clone())),
                kind: kind.into(),
                price: detail.precio,
                download_speed: detail.bajada,
                upload_speed: detail.subida,
                note: None,
            }
        }))
    }
}
