//! API keys (docs/api.md §13): one fixed `X-API-Key` header for bots whose tools cannot run a token
//! exchange. Configuration holds only each key's SHA-256 (a key is long and random, so a fast digest
//! is safe), its name (the API user) and its scopes; a presented key is compared in constant time.

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::users::Scope;

/// The header a key travels in.
pub const HEADER: &str = "x-api-key";
/// A presented key shorter than this is refused at the door, without a look-up.
pub const MIN_KEY_CHARS: usize = 32;
/// What every minted key starts with, so a leaked one is recognisable in a scan.
const PREFIX: &str = "whk_";

/// A configured key: its name (the API user), the digest of the key, the scopes it grants.
#[derive(Clone)]
pub struct ApiKey {
    name: String,
    sha256: [u8; 32],
    scopes: Vec<Scope>,
}

// Only the name: the digest identifies the key.
impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey").field("name", &self.name).field("scopes", &self.scopes).finish_non_exhaustive()
    }
}

impl ApiKey {
    /// A key entry from its hex digest; `Err` says what is wrong with the digest.
    pub fn new(name: String, sha256_hex: &str, scopes: Vec<Scope>) -> Result<Self, String> {
        let sha256 = parse_hex(sha256_hex).ok_or_else(|| format!("the sha256 of {name:?} is not 64 hex digits"))?;
        Ok(ApiKey { name, sha256, scopes })
    }

    /// The API user this key acts as.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The scopes this key grants.
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }
}

/// The configured key matching `presented`, comparing against every entry in constant time so the
/// time taken tells nothing about which digest was close.
pub fn find<'a>(keys: &'a [ApiKey], presented: &str) -> Option<&'a ApiKey> {
    let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    let mut found = None;
    for key in keys {
        if bool::from(key.sha256.ct_eq(&digest)) {
            found = Some(key);
        }
    }
    found
}

/// A fresh random key and the hex SHA-256 to configure for it.
pub fn mint() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let key = format!("{PREFIX}{}", hex(&bytes));
    let digest = hex(&Sha256::digest(key.as_bytes()));
    (key, digest)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hex(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_key_is_found_by_its_digest_and_nothing_else_is() {
        let (key, digest) = mint();
        assert!(key.len() >= MIN_KEY_CHARS && key.starts_with(PREFIX));
        let keys = [ApiKey::new("n8n-bot".into(), &digest, vec![Scope::PlansRead]).unwrap()];
        assert_eq!(find(&keys, &key).map(ApiKey::name), Some("n8n-bot"));
        assert!(find(&keys, &format!("{key}x")).is_none());
        assert!(!format!("{:?}", keys[0]).contains(&digest[..16]), "Debug shows no digest");
    }

    #[test]
    fn a_digest_that_is_not_64_hex_digits_is_refused() {
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(63), &"é".repeat(32)] {
            assert!(ApiKey::new("k".into(), bad, vec![]).is_err(), "{bad:?}");
        }
    }
}
