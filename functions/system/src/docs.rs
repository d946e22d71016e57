//! The two HTML viewers of the OpenAPI document, whose scripts load from a configurable CDN base
//! as FastAPI's do.

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
