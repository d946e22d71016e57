//! HS256 with the JWT secret, the algorithm pinned and our issuer and audience required: what
//! access tokens and verification proofs share. The claims tell the two apart.

use jsonwebtoken::errors::Error;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::Config;

/// Signs and reads our JWTs.
pub(crate) struct Signer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub issuer: String,
    pub audience: String,
}

impl Signer {
    /// Keys from `JWT_SECRET`; `leeway_secs` of clock skew accepted on expiry.
    pub fn from_config(config: &Config, leeway_secs: u64) -> Self {
        let secret = config.jwt_secret.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = leeway_secs;
        Signer {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
        }
    }

    pub fn sign(&self, claims: &impl Serialize) -> Result<String, Error> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// The claims of a valid token; an error says why not (for a debug log only).
    pub fn read<T: DeserializeOwned>(&self, token: &str) -> Result<T, Error> {
        decode::<T>(token, &self.decoding, &self.validation).map(|data| data.claims)
    }
}
