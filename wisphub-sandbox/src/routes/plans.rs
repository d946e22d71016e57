//! `/api/plan-internet/…` plus the small catalogues: zones, routers, sectoriales.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use super::parse_id;
use crate::data::catalog::{self, PlanType, ZONES};
use crate::data::devices::Device;
use crate::django::not_found;
use crate::paging::{ListQuery, page_of};
use crate::state::SandboxState;

/// Where the malformed plan sits in the list (inside the first default page).
const MALFORMED_AT: usize = 12;

pub(super) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/api/plan-internet/", get(list_plans))
        .route("/api/plan-internet/pppoe/{id}/", get(get_pppoe_plan))
        .route("/api/plan-internet/queue/{id}/", get(get_queue_plan))
        .route("/api/zonas/", get(list_zones))
        .route("/api/router/", get(list_routers))
        .route("/api/sectorial/", get(list_sectoriales))
}

async fn list_plans(State(state): State<SandboxState>, query: ListQuery) -> Response {
    let mut records: Vec<Value> = state.data().plans.iter().map(catalog::Plan::list_record).collect();
    records.insert(MALFORMED_AT.min(records.len()), catalog::malformed_plan());
    page_of(&query, &records, Value::clone)
}

/// A plan's detail lives under the route of its type only; PCQ plans have none.
fn plan_detail(state: &SandboxState, id: &str, tipo: PlanType) -> Response {
    let data = state.data();
    let plan = parse_id(id).and_then(|id| data.plans.iter().find(|p| p.id == id && p.tipo == tipo));
    match plan {
        Some(plan) => Json(plan.detail()).into_response(),
        None => not_found(),
    }
}

async fn get_pppoe_plan(State(state): State<SandboxState>, Path(id): Path<String>) -> Response {
    plan_detail(&state, &id, PlanType::Pppoe)
}

async fn get_queue_plan(State(state): State<SandboxState>, Path(id): Path<String>) -> Response {
    plan_detail(&state, &id, PlanType::SimpleQueue)
}

async fn list_zones(query: ListQuery) -> Response {
    let ids: Vec<i64> = (1..=ZONES.len() as i64).collect();
    page_of(&query, &ids, |id| catalog::zone(*id))
}

async fn list_routers(State(state): State<SandboxState>, query: ListQuery) -> Response {
    let routers = state.data().general_faults.routers();
    page_of(&query, &routers, Device::clone)
}

async fn list_sectoriales(State(state): State<SandboxState>, query: ListQuery) -> Response {
    let sectoriales = state.data().general_faults.sectoriales();
    page_of(&query, &sectoriales, Device::clone)
}
