//! API users and the scopes their tokens carry: configuration builds them, the token route checks
//! their passwords, and every guarded router names the scope it needs.

use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// A permission a token can carry (OAuth style, space-separated in the `scope` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "clients:read")]
    ClientsRead,
    #[serde(rename = "clients:list")]
    ClientsList,
    #[serde(rename = "clients:write")]
    ClientsWrite,
    #[serde(rename = "tickets:read")]
    TicketsRead,
    #[serde(rename = "tickets:write")]
    TicketsWrite,
    #[serde(rename = "network:ping")]
    NetworkPing,
    #[serde(rename = "network:read")]
    NetworkRead,
    #[serde(rename = "plans:read")]
    PlansRead,
    #[serde(rename = "billing:read")]
    BillingRead,
    #[serde(rename = "billing:write")]
    BillingWrite,
}

impl Scope {
    /// Every scope (the v1 `API_USERNAME` user gets them all).
    pub const ALL: &[Scope] = &[
        Scope::ClientsRead,
        Scope::ClientsList,
        Scope::ClientsWrite,
        Scope::TicketsRead,
        Scope::TicketsWrite,
        Scope::NetworkPing,
        Scope::NetworkRead,
        Scope::PlansRead,
        Scope::BillingRead,
        Scope::BillingWrite,
    ];

    /// The spelling in a token's `scope` claim and in `API_USERS` (`clients:read`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ClientsRead => "clients:read",
            Scope::ClientsList => "clients:list",
            Scope::ClientsWrite => "clients:write",
            Scope::TicketsRead => "tickets:read",
            Scope::TicketsWrite => "tickets:write",
            Scope::NetworkPing => "network:ping",
            Scope::NetworkRead => "network:read",
            Scope::PlansRead => "plans:read",
            Scope::BillingRead => "billing:read",
            Scope::BillingWrite => "billing:write",
        }
    }
}

impl FromStr for Scope {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Scope::ALL.iter().copied().find(|scope| scope.as_str() == s).ok_or(())
    }
}

/// A configured API user: name, bcrypt hash (secret) and the scopes its tokens get.
#[derive(Debug, Clone)]
pub struct ApiUser {
    username: String,
    password_hash: SecretString,
    scopes: Vec<Scope>,
}

impl ApiUser {
    /// Refuses a hash that is not bcrypt, so a typo stops start-up instead of every login.
    pub fn new(username: String, password_hash: String, scopes: Vec<Scope>) -> Result<Self, String> {
        bcrypt::HashParts::from_str(&password_hash).map_err(|_| format!("the hash of {username:?} is not bcrypt"))?;
        Ok(ApiUser { username, password_hash: SecretString::from(password_hash), scopes })
    }

    /// The name the user logs in with (a token's `sub`).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The scopes every token of this user carries.
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }
}

/// Checks a password on a blocking thread. Unknown users are checked against a real hash too,
/// so both failures cost the same time.
pub async fn verify_password(users: &[ApiUser], username: &str, password: &str) -> Option<ApiUser> {
    let user = users.iter().find(|u| u.username == username).cloned();
    let hash = match (&user, users.first()) {
        (Some(user), _) => user.password_hash.clone(),
        (None, Some(any)) => any.password_hash.clone(),
        (None, None) => return None,
    };
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || bcrypt::verify(password, hash.expose_secret()).unwrap_or(false))
        .await
        .unwrap_or(false);
    user.filter(|_| matches)
}
