//! Password login with failure counters per username and per source address, shared by every instance.

use serde::{Deserialize, Serialize};
use shared::auth::refuse_if_locked;
use shared::clock::now_secs;
use shared::error::AuthFailure;
use shared::store::keys;
use shared::users::verify_password;
use shared::{ApiError, AppState, Scope};
use utoipa::ToSchema;

/// The OAuth2 password grant fields (`grant_type` and `scope` optional).
#[derive(Debug, Deserialize, ToSchema)]
pub struct Credentials {
    pub username: String,
    pub password: String,
    /// Only `password`, when given.
    #[serde(default)]
    #[schema(pattern = "^password$")]
    pub grant_type: Option<String>,
    /// Space-separated scopes to narrow the token to; absent means every scope of the user.
    #[serde(default)]
    pub scope: Option<String>,
}

/// The token answer, OAuth style (not enveloped).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
}

pub async fn login(state: &AppState, credentials: Credentials, source_ip: &str) -> Result<TokenResponse, ApiError> {
    if credentials.grant_type.as_deref().is_some_and(|g| g != "password") {
        return Err(ApiError::invalid("grant_type", "solo se admite 'password'"));
    }
    let counters = [
        keys::login_attempts(&format!("user:{}", credentials.username)),
        keys::login_attempts(&format!("ip:{source_ip}")),
    ];
    let max_failures = state.config.login_max_failures;
    // Both counters at once: every login pays these round trips to the store.
    let store = &state.store;
    let (by_user, by_address) = tokio::try_join!(store.get(&counters[0]), store.get(&counters[1]))?;
    for counter in [by_user, by_address] {
        refuse_if_locked(counter, max_failures)?;
    }

    let Some(user) = verify_password(&state.config.api_users, &credentials.username, &credentials.password).await
    else {
        let window_end = now_secs() + state.config.login_window.as_secs();
        tokio::try_join!(store.increment(&counters[0], window_end), store.increment(&counters[1], window_end))?;
        tracing::info!("login refused");
        return Err(ApiError::Unauthorized(AuthFailure::BadCredentials));
    };
    store.delete(&counters[0]).await?;

    let scopes: Vec<Scope> = match &credentials.scope {
        Some(requested) if !requested.trim().is_empty() => {
            let requested: Vec<Scope> = requested.split_whitespace().filter_map(|s| s.parse().ok()).collect();
            user.scopes().iter().copied().filter(|s| requested.contains(s)).collect()
        }
        _ => user.scopes().to_vec(),
    };
    let access_token = state.tokens.issue(user.username(), &scopes)?;
    Ok(TokenResponse { access_token, token_type: "bearer", expires_in: state.tokens.ttl_secs() })
}
