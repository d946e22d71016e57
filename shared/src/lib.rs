//! What several WispHub API functions need, and nothing else.

pub mod api_keys;
pub mod auth;
pub mod book;
pub mod budget;
pub mod cache;
pub mod clock;
pub mod config;
pub mod directory;
pub mod envelope;
pub mod error;
pub mod events;
pub mod extract;
pub mod function;
pub mod http;
pub mod idempotency;
pub mod ids;
mod jwt;
pub mod openapi;
pub mod outage;
pub mod recent;
pub mod startup;
mod state;
pub mod store;
pub mod telemetry;
pub mod users;
pub mod verification;
pub mod wisphub;
pub mod write_once;

pub use envelope::{Action, Reply};
pub use error::ApiError;
pub use state::AppState;
pub use users::Scope;
