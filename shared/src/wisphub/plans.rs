//! Internet plans upstream: the kind of a plan and its detail (price, speeds). Used by the plans
//! function and by client verification (a client record without a price takes its plan's).
//! How our API spells a plan's type is the plans function's business (`internet-plans`).

use super::model::{PlanDetailRecord, PlanRecord};
use super::{Route, UpstreamError, WispHub};

/// How WispHub provisions a plan; it decides which detail route exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanKind {
    /// PPPoE: detail under `pppoe/{id}/`.
    Pppoe,
    /// Simple Queue: detail under `queue/{id}/`.
    SimpleQueue,
    /// PCQ: WispHub has no detail route.
    Pcq,
    /// A type this API does not know, with WispHub's label (empty when unknown); both detail
    /// routes are tried.
    Other(String),
}

impl PlanKind {
    /// The kind a `tipo` label names (`"PPPoE"`, `"Simple Queue"`, `"PCQ"`, in any case).
    pub fn from_label(label: Option<&str>) -> Self {
        let label = label.unwrap_or_default();
        let folded = label.to_lowercase();
        if folded.contains("pppoe") {
            PlanKind::Pppoe
        } else if folded.contains("queue") {
            PlanKind::SimpleQueue
        } else if folded.contains("pcq") {
            PlanKind::Pcq
        } else {
            PlanKind::Other(label.to_owned())
        }
    }

    fn detail_routes(&self, plan_id: i64) -> Vec<Route> {
        match self {
            PlanKind::Pppoe => vec![Route::PppoePlan(plan_id)],
            PlanKind::SimpleQueue => vec![Route::QueuePlan(plan_id)],
            PlanKind::Pcq => vec![],
            PlanKind::Other(_) => vec![Route::PppoePlan(plan_id), Route::QueuePlan(plan_id)],
        }
    }
}

impl From<&PlanRecord> for PlanKind {
    fn from(plan: &PlanRecord) -> Self {
        PlanKind::from_label(plan.tipo.as_deref())
    }
}

/// Every plan of the tenant (all pages; malformed ones skipped).
pub async fn list_plans(wisphub: &WispHub) -> Result<Vec<PlanRecord>, UpstreamError> {
    wisphub.list(&Route::Plans, &[]).await
}

/// A plan's detail from the route its kind has; `None` when WispHub has none (PCQ, or 404).
/// Returns the kind of the route that answered.
pub async fn plan_detail(
    wisphub: &WispHub,
    plan_id: i64,
    kind: &PlanKind,
) -> Result<Option<(PlanKind, PlanDetailRecord)>, UpstreamError> {
    for route in kind.detail_routes(plan_id) {
        let found_kind = match route {
            Route::PppoePlan(_) => PlanKind::Pppoe,
            _ => PlanKind::SimpleQueue,
        };
        if let Some(value) = wisphub.get(&route, &[]).await? {
            let detail = serde_json::from_value(value).map_err(|_| UpstreamError::Garbage("a plan detail".into()))?;
            return Ok(Some((found_kind, detail)));
        }
    }
    Ok(None)
}
