//! The middleware stack every host shares (Lambda, `wisphub-local`, tests) and the Lambda runner.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use lambda_http::request::RequestContext;
use tower::{Layer, ServiceBuilder};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::config::Config;
use crate::error::ApiError;

/// Largest accepted request body (docs/api.md §1: 413 above it).
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// The served application: the routers behind the shared stack, slash-insensitive.
pub type App = NormalizePath<Router>;

/// Longest caller-chosen `x-request-id` kept; longer ones (or any with a byte that is not visible
/// ASCII) are replaced, so a log line or a response header never carries what a caller smuggled in.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// Wraps a function's router (or the merge of several) in the shared stack, outermost first:
/// slash trimming (it must wrap the router: inside, it would run after routing), request id,
/// trace, CORS, catch-panic, the request budget, and the body limit.
pub fn stack(router: Router, config: &Config) -> App {
    let request_id = HeaderName::from_static("x-request-id");
    let layers = ServiceBuilder::new()
        .layer(middleware::map_request(drop_unfit_request_id))
        .layer(SetRequestIdLayer::new(request_id.clone(), GatewayRequestId))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(middleware::from_fn_with_state(Arc::new(config.cors_origins.clone()), refuse_unlisted_origins))
        .layer(cors(&config.cors_origins))
        .layer(CatchPanicLayer::custom(|_| ApiError::Internal("handler panicked".into()).into_response()))
        .layer(middleware::from_fn_with_state(config.request_budget, request_budget))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES));
    let router = router
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(layers);
    NormalizePathLayer::trim_trailing_slash().layer(router)
}

/// Runs the stacked application as a Lambda function behind an HTTP API (payload v2).
pub async fn run_on_lambda(app: App) -> Result<(), lambda_http::Error> {
    lambda_http::run(app).await
}

/// The same CORS answer as the template's `CorsConfiguration`: listed origins only, credentials allowed.
pub fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods(AllowMethods::mirror_request())
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("idempotent-replayed"),
            axum::http::header::RETRY_AFTER,
        ])
        .max_age(Duration::from_secs(600))
}

/// tower-http's CORS layer still sends credentials/methods/headers to an unlisted origin;
/// API Gateway sends nothing, so neither do we.
async fn refuse_unlisted_origins(State(origins): State<Arc<Vec<String>>>, request: Request, next: Next) -> Response {
    let unlisted = request
        .headers()
        .get(axum::http::header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .is_some_and(|origin| !origins.iter().any(|allowed| allowed == origin));
    let mut response = next.run(request).await;
    if unlisted {
        let cors_headers: Vec<HeaderName> =
            response.headers().keys().filter(|name| name.as_str().starts_with("access-control-")).cloned().collect();
        for name in cors_headers {
            response.headers_mut().remove(name);
        }
    }
    response
}

/// A caller's `x-request-id` is kept only when it is 1 to 128 visible ASCII characters; otherwise it
/// is removed here and the next layer makes one.
async fn drop_unfit_request_id(mut request: Request) -> Request {
    let fit = |value: &HeaderValue| {
        let bytes = value.as_bytes();
        (1..=MAX_REQUEST_ID_LEN).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_graphic)
    };
    let headers = request.headers_mut();
    let values: Vec<&HeaderValue> = headers.get_all("x-request-id").iter().collect();
    if values.len() != 1 || !values.iter().all(|v| fit(v)) {
        headers.remove("x-request-id");
    }
    request
}

/// API Gateway's request id when deployed, a fresh UUID otherwise.
#[derive(Clone, Copy)]
struct GatewayRequestId;

impl MakeRequestId for GatewayRequestId {
    fn make_request_id<B>(&mut self, request: &Request<B>) -> Option<RequestId> {
        let gateway_id = match request.extensions().get::<RequestContext>() {
            Some(RequestContext::ApiGatewayV2(context)) => context.request_id.clone(),
            _ => None,
        };
        let id = gateway_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// The span logs the route template, never the raw path: paths carry phone numbers and documents.
fn request_span(request: &Request) -> tracing::Span {
    let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str).unwrap_or("unmatched");
    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
    // `api_user` is filled in by the scope guard: the token's subject or the API key's name.
    tracing::info_span!("request", method = %request.method(), route, request_id, api_user = tracing::field::Empty)
}

/// Starts the request's budget (the WispHub client keeps within it) and guards it from outside,
/// so no request outlives API Gateway's patience even if something else hangs.
async fn request_budget(State(budget): State<Duration>, request: Request, next: Next) -> Response {
    let guard = budget + Duration::from_secs(1);
    match tokio::time::timeout(guard, crate::budget::within(budget, next.run(request))).await {
        Ok(response) => response,
        Err(_) => ApiError::BudgetExceeded.into_response(),
    }
}
