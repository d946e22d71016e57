//! Routes registered from their own `#[utoipa::path]` (utoipa-axum's `OpenApiRouter` and
//! `routes!`), so a path cannot be served under one spelling and documented under another, and
//! the scope guard over a group of them.

use std::sync::Arc;

use utoipa_axum::router::OpenApiRouter;

use crate::Scope;
use crate::auth::{Door, require_scope};
use crate::state::AppState;

/// What guards a function's route groups: the door (tokens and API keys) when the routes serve;
/// nothing when they are built only for their OpenAPI document, which a guard does not change.
#[derive(Clone)]
pub enum Guard {
    Door(Arc<Door>),
    DocumentOnly,
}

impl Guard {
    /// The guard of routes served on `state`.
    pub fn serving(state: &AppState) -> Self {
        Guard::Door(Arc::new(Door::new(state)))
    }

    /// Every route of `routes` behind a caller carrying `scope` (`auth::require_scope`),
    /// their document kept.
    pub fn require<S: Clone + Send + Sync + 'static>(
        &self,
        scope: Scope,
        routes: OpenApiRouter<S>,
    ) -> OpenApiRouter<S> {
        match self {
            Guard::Door(door) => {
                let (router, document) = routes.split_for_parts();
                OpenApiRouter::with_openapi(document).merge(require_scope(router, door.clone(), scope).into())
            }
            Guard::DocumentOnly => routes,
        }
    }
}
