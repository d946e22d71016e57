//! The OpenAPI 3.1 document (each function contributes its routes) and the two HTML viewers,
//! whose scripts load from a configurable CDN base as FastAPI's do.

use utoipa::openapi::security::{Flow, OAuth2, Password, Scopes, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi as Document};
use utoipa::{Modify, OpenApi};

use shared::Scope;

use crate::responses::CommonResponses;

#[derive(OpenApi)]
#[openapi(paths(super::health), components(schemas(super::Health, shared::envelope::Envelope)))]
struct SystemApi;

/// Every function's routes in one document, with the token route as the OAuth2 password flow
/// so Swagger UI's Authorize button fetches a token.
pub fn openapi() -> Document {
    let mut document = SystemApi::openapi();
    document.merge(auth::AuthApi::openapi());
    document.merge(clients::ClientsApi::openapi());
    document.merge(tickets::TicketsApi::openapi());
    document.merge(network::NetworkApi::openapi());
    document.merge(internet_plans::PlansApi::openapi());
    document.info = InfoBuilder::new()
        .title("WispHub API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "Customer lookups, identity checks, ping diagnostics, support tickets and plans over a WispHub tenant, \
             for chatbots and support front-ends. Every answer but the token's is the envelope \
             `{ok, type, action, data, message, meta}`. Business outcomes (not found, zone full, ping pending…) \
             are HTTP 200 with an action; the other statuses each operation lists are protocol failures. Any \
             path also answers 405 (the envelope) to a method it does not list, and 404 outside these paths. \
             Every response carries `x-request-id`: the caller's when it is 1 to 128 visible ASCII characters, \
             else a new one.",
        ))
        .build();
    BearerScheme.modify(&mut document);
    CommonResponses.modify(&mut document);
    document
}

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, document: &mut Document) {
        let scopes = Scopes::from_iter(Scope::ALL.iter().map(|s| (s.as_str(), s.as_str())));
        let flow = Flow::Password(Password::new("/api/v1/auth/token", scopes));
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme("OAuth2PasswordBearer", SecurityScheme::OAuth2(OAuth2::new([flow])));
    }
}

pub fn swagger_page(assets: &str) -> String {
    format!(
        r##"<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><title>WispHub API - Swagger UI</title>
<link rel="stylesheet" href="{assets}/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({{
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout"
}});
</script></body></html>"##
    )
}

pub fn redoc_page(assets: &str) -> String {
    format!(
        r##"<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><title>WispHub API - ReDoc</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="{assets}/redoc@2/bundles/redoc.standalone.js"></script></body></html>"##
    )
}
