//! The whole API's OpenAPI 3.1 document: every function of the registry merged, the token route as the
//! OAuth2 password flow, and the protocol statuses added once. `system` serves the committed copy
//! (`functions/system/openapi.json`), so it links none of the functions; the test below rebuilds
//! the document and fails on any difference.

mod responses;

use utoipa::Modify;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Flow, OAuth2, Password, Scopes, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{InfoBuilder, OpenApi as Document};

use shared::Scope;
use shared::api_keys;

use crate::responses::CommonResponses;

/// Every function's routes in one document, with both security schemes.
pub fn document() -> Document {
    let mut document = registry::document();
    document.info = InfoBuilder::new()
        .title("WispHub API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Customer lookups, identity checks, ping diagnostics, outages, support tickets, plans and billing over a WispHub tenant, \
             for chatbots and support front-ends. Every answer but the token's is the envelope \
             `{ok, type, action, data, message, meta}`. Business outcomes (not found, zone full, ping pending…) \
             are HTTP 200 with an action; the other statuses each operation lists are protocol failures. Any \
             path also answers 405 (the envelope) to a method it does not list, and 404 outside these paths. \
             Every response carries `x-request-id`: the caller's when it is 1 to 128 visible ASCII characters, \
             else a new one.",
        ))
        .build();
    SecuritySchemes.modify(&mut document);
    CommonResponses.modify(&mut document);
    document
}

/// The two doors of docs/api.md §2 and §13: the token route as the OAuth2 password flow (so Swagger
/// UI's Authorize fetches a token) and the `X-API-Key` header; every guarded operation accepts
/// either, with the same scopes.
struct SecuritySchemes;

const BEARER: &str = "OAuth2PasswordBearer";
const API_KEY: &str = "ApiKeyHeader";

impl Modify for SecuritySchemes {
    fn modify(&self, document: &mut Document) {
        let scopes = Scopes::from_iter(Scope::ALL.iter().map(|s| (s.as_str(), s.description())));
        let flow = Flow::Password(Password::new("/api/v1/auth/token", scopes));
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(BEARER, SecurityScheme::OAuth2(OAuth2::new([flow])));
        let key = ApiKeyValue::with_description(
            api_keys::HEADER,
            "A key minted with `wisphub-local keys new` and listed in `API_KEYS`; the same scopes as a token. \
             Send it or a bearer token, never both.",
        );
        components.add_security_scheme(API_KEY, SecurityScheme::ApiKey(ApiKey::Header(key)));
        for item in document.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                let Some(security) = &mut operation.security else { continue };
                let scopes: Vec<String> = serde_json::to_value(&*security)
                    .ok()
                    .and_then(|requirements| requirements[0][BEARER].as_array().cloned())
                    .into_iter()
                    .flatten()
                    .filter_map(|scope| scope.as_str().map(str::to_owned))
                    .collect();
                security.push(SecurityRequirement::new(API_KEY, scopes));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file `system` embeds and serves.
    const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../functions/system/openapi.json");

    /// The document as committed: pretty-printed, keys in a fixed order, one final newline.
    fn committed_text() -> String {
        let mut text = serde_json::to_string_pretty(&document()).expect("an OpenAPI document serializes");
        text.push('\n');
        text
    }

    #[test]
    fn the_committed_document_is_the_one_the_routers_describe() {
        let fresh = committed_text();
        if std::env::var_os("UPDATE_OPENAPI").is_some_and(|v| v == "1") {
            std::fs::write(COMMITTED, &fresh).expect("writing functions/system/openapi.json");
            return;
        }
        let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
        if committed == fresh {
            return;
        }
        let first = committed.lines().zip(fresh.lines()).position(|(a, b)| a != b);
        let line = first.unwrap_or_else(|| committed.lines().count().min(fresh.lines().count()));
        let shown = |text: &str| text.lines().nth(line).unwrap_or("<end of file>").to_owned();
        panic!(
            "functions/system/openapi.json differs from the routers' document from line {}:\n  committed: {}\n  \
             generated: {}\nRefresh it with `UPDATE_OPENAPI=1 cargo test -p openapi-document` and commit it.",
            line + 1,
            shown(&committed),
            shown(&fresh),
        );
    }
}
