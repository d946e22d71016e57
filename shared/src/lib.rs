//! What several WispHub API functions need, and nothing else.

pub mod auth;
pub mod budget;
pub mod cache;
pub mod config;
pub mod envelope;
pub mod error;
pub mod extract;
pub mod http;
pub mod ids;
pub mod outage;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod wisphub;

pub use auth::Scope;
pub use envelope::{Action, Reply};
pub use error::ApiError;
pub use state::AppState;
