//! Being written.

use axum::Router;
use shared::AppState;
use utoipa::OpenApi;

#[derive(OpenApi)]
pub struct NetworkApi;

pub fn router(state: AppState) -> Router {
    Router::new().with_state(state)
}
