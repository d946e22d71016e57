//! Internet plans: the list (every page) and one plan's detail, both cached per instance.

mod catalogue;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use shared::extract::Path;
use shared::function::{Entry, Function, Http, Probe, Secret};
use shared::ids::PlanId;
use shared::openapi::Guard;
use shared::{Action, ApiError, AppState, Reply, Scope};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use catalogue::{Plan, PlanDetail, Plans};

#[derive(OpenApi)]
#[openapi(components(schemas(Plan, PlanDetail)))]
struct PlansApi;

#[derive(Clone)]
struct PlansState {
    app: AppState,
    plans: Arc<Plans>,
}

/// Each route registered from its own `#[utoipa::path]`, so its path and its document are one literal.
fn api(guard: &Guard) -> OpenApiRouter<PlansState> {
    let routes = OpenApiRouter::new().routes(routes!(list_plans)).routes(routes!(get_plan));
    OpenApiRouter::with_openapi(PlansApi::openapi()).merge(guard.require(Scope::PlansRead, routes))
}

/// This function as the doors and the template test see it (`registry` lists it).
pub const FUNCTION: Function = Function {
    name: "internet-plans",
    entry: Entry::Http(Http {
        router,
        openapi,
        scopes: &[Scope::PlansRead],
        undocumented: &[],
        probe: Probe { method: "GET", path: "/api/v1/internet-plans", form: None, status: 401, action: "error" },
    }),
    table: &[],
    secrets: &[Secret::JwtSecret, Secret::WispHubKey],
};

pub fn router(state: AppState) -> Router {
    let guard = Guard::serving(&state);
    Router::from(api(&guard)).with_state(PlansState { app: state, plans: Arc::new(Plans::new()) })
}

/// The OpenAPI document of this function's routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api(&Guard::DocumentOnly).into_openapi()
}

/// Every plan the tenant sells.
#[utoipa::path(get, path = "/api/v1/internet-plans", tag = "internet-plans",
    security(("OAuth2PasswordBearer" = ["plans:read"])),
    responses((status = 200, description = "`internet_plans_listed`, or info `internet_plan_not_found` when there are none",
        body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "internet_plans_listed",
            "data": [{"plan_id": 1, "name": "10MB PLUS", "type": "PPPoE"}], "message": null, "meta": {"total": 1}}))))]
#[tracing::instrument(skip_all)]
async fn list_plans(State(state): State<PlansState>) -> Result<Reply, ApiError> {
    let plans = state.plans.all(&state.app.wisphub).await?;
    if plans.is_empty() {
        return Ok(Reply::info(Action::InternetPlanNotFound, "No se encontraron planes de internet."));
    }
    let total = plans.len();
    Ok(Reply::success(Action::InternetPlansListed, &*plans).with_meta(serde_json::json!({ "total": total })))
}

/// One plan with its price and speeds (PCQ plans have no detail upstream).
#[utoipa::path(get, path = "/api/v1/internet-plans/{plan_id}", tag = "internet-plans",
    params(("plan_id" = i64, Path, minimum = 1, description = "WispHub plan id")),
    security(("OAuth2PasswordBearer" = ["plans:read"])),
    responses((status = 200, description = "`internet_plan_found`, or info `internet_plan_not_found`",
        body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "internet_plan_found",
            "data": {"plan_id": 1, "name": "10MB PLUS", "type": "PPPoE", "price": 65000.0,
                "download_speed": "10M", "upload_speed": "5M", "note": null}, "message": null, "meta": null})),
        (status = 422, description = "`plan_id` is not a positive integer", body = shared::envelope::Envelope)))]
#[tracing::instrument(skip_all, fields(plan_id = plan_id.get()))]
async fn get_plan(State(state): State<PlansState>, Path(plan_id): Path<PlanId>) -> Result<Reply, ApiError> {
    Ok(match state.plans.detail(&state.app.wisphub, plan_id.get()).await? {
        Some(plan) => Reply::success(Action::InternetPlanFound, plan),
        None => Reply::info(Action::InternetPlanNotFound, "El plan de internet especificado no existe."),
    })
}
