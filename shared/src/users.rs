//! API users and the scopes their tokens carry: configuration builds them, the token route checks
//! their passwords, and every guarded router names the scope it needs.

use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};

/// Declares the [`Scope`] enum from one table: variant, spelling, what it allows.
macro_rules! scopes {
    ($($variant:ident = $name:literal: $about:literal,)+) => {
        /// A permission a token can carry (OAuth style, space-separated in the `scope` claim).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Scope {
            $(#[doc = $about] $variant,)+
        }

        impl Scope {
            /// Every scope (the v1 `API_USERNAME` user gets them all).
            pub const ALL: &[Scope] = &[$(Scope::$variant,)+];

            /// The spelling in a token's `scope` claim and in `API_USERS` (`clients:read`…).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Scope::$variant => $name,)+
                }
            }

            /// What the scope allows, for documents and tool lists.
            pub fn description(self) -> &'static str {
                match self {
                    $(Scope::$variant => $about,)+
                }
            }
        }
    };
}

scopes! {
    ClientsRead = "clients:read": "Look up one client (by document, phone or service id), resolve and verify a person.",
    ClientsList = "clients:list": "List and search the whole client directory (bulk personal data: staff only).",
    ClientsWrite = "clients:write": "Update a client's phone or document.",
    TicketsRead = "tickets:read": "Read tickets, the subject catalogue, a zone's status and a customer's open tickets.",
    TicketsWrite = "tickets:write": "Open support tickets.",
    NetworkPing = "network:ping": "Ping a customer's router and read the verdict.",
    NetworkRead = "network:read": "Read whether a general outage covers a customer.",
    PlansRead = "plans:read": "List the internet plans on sale.",
    BillingRead = "billing:read": "Read a verified customer's balance and the payment methods.",
    BillingWrite = "billing:write": "Record a verified customer's payment promise.",
    EventsRead = "events:read": "Read the events feed: outages, suspensions and settled bills as the directory refresh finds them.",
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
