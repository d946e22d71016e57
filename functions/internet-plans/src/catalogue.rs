//! The plan catalogue: WispHub's plan list mapped to our shape and the detail of one plan from
//! the route its type has, both cached 15 minutes per instance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
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
    list: Cache<Vec<Plan>>,
    /// The detail of each listed plan (so at most one entry per plan the tenant sells): a bot that
    /// asks about the same plan again costs no WispHub call.
    details: Mutex<HashMap<i64, Cache<Option<PlanDetail>>>>,
}

impl Default for Plans {
    fn default() -> Self {
        Self::new()
    }
}

impl Plans {
    pub fn new() -> Self {
        Plans { list: Cache::new(TTL), details: Mutex::default() }
    }

    pub async fn all(&self, wisphub: &WispHub) -> Result<Arc<Vec<Plan>>, UpstreamError> {
        let wisphub = wisphub.clone();
        let snapshot = self
            .list
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

    /// The plan's detail: a listed plan's from the cache; a plan missing from the (possibly stale)
    /// list is asked on both detail routes every time, so a plan created minutes ago is found and
    /// one that was deleted is not kept.
    pub async fn detail(&self, wisphub: &WispHub, plan_id: i64) -> Result<Option<PlanDetail>, UpstreamError> {
        let Some(listed) = self.all(wisphub).await?.iter().find(|p| p.plan_id == plan_id).cloned() else {
            return read_detail(wisphub, plan_id, None).await;
        };
        let cache = self
            .details
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(plan_id)
            .or_insert_with(|| Cache::new(TTL))
            .clone();
        let wisphub = wisphub.clone();
        let snapshot = cache.get(move || async move { read_detail(&wisphub, plan_id, Some(listed)).await }).await?;
        Ok(Option::clone(&snapshot.value))
    }
}

/// One plan's detail from WispHub: a PCQ plan's from the list alone (WispHub has no detail route
/// for it), any other from the route its type has, or from both when its type is unknown.
async fn read_detail(
    wisphub: &WispHub,
    plan_id: i64,
    listed: Option<Plan>,
) -> Result<Option<PlanDetail>, UpstreamError> {
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
