//! `GET /events`: the event log, oldest first, from a cursor (the last id a caller saw), so a
//! poller (an n8n schedule, a CRM) picks up exactly what it has not seen yet.

use axum::extract::State;
use serde::Deserialize;
use serde_json::json;
use shared::clock::now_secs;
use shared::events::EventId;
use shared::events::log::{self, Page};
use shared::extract::Query;
use shared::{Action, ApiError, AppState, Reply};

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 500;

/// The feed's query, as sent.
#[derive(Debug, Deserialize)]
pub(crate) struct FeedQuery {
    after: Option<String>,
    limit: Option<u32>,
}

impl FeedQuery {
    /// The cursor (an empty `after=` reads as none, as no-code tools send it on a first call) and
    /// the page size.
    fn validate(self) -> Result<(Option<EventId>, usize), ApiError> {
        let after = self.after.as_deref().map(str::trim).filter(|raw| !raw.is_empty());
        let after = after.map(|raw| raw.parse().map_err(|problem| ApiError::invalid("after", problem))).transpose()?;
        let limit = self.limit.map_or(DEFAULT_LIMIT, |limit| limit as usize);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid("limit", format!("debe estar entre 1 y {MAX_LIMIT}")));
        }
        Ok((after, limit))
    }
}

/// What changed in the tenant (outages raised, updated or cleared; services suspended or
/// reactivated; bills settled), oldest first, after `after`.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    params(("after" = Option<String>, Query, pattern = "^[0-9]{12}-[0-9]{4}$",
            description = "The last event id already seen (`meta.next_cursor` of the previous page); \
                without it, from the oldest event kept"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Events per page (default 100)")),
    security(("OAuth2PasswordBearer" = ["events:read"])),
    responses((status = 200, description = "`events_listed` (oldest first; `meta.next_cursor` is the id to pass as \
        `after` next, `meta.more` whether more are waiting), or info `no_new_events` with `[]`",
        body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "events_listed",
            "data": [{"id": "000000000042-0000", "type": "outage.raised", "occurred_at": "2026-11-26T15:05:00Z",
                "data": {"scope": "sector", "device_id": 3, "device_name": "Sectorial Rural 90°",
                    "description": "Mantenimiento programado en la torre rural", "affected_services": 2}},
                {"id": "000000000042-0001", "type": "service.suspended", "occurred_at": "2026-11-26T15:05:00Z",
                    "data": {"service_id": 1002}}],
            "message": null, "meta": {"next_cursor": "000000000042-0001", "more": false, "limit": 100}})),
        (status = 422, description = "`after` is not an event id, names no event, or is older than \
            `EVENT_RETENTION_DAYS` (read again without it); `limit` outside 1..500", body = shared::envelope::Envelope),
        (status = 503, description = "the table is unavailable; see Retry-After", body = shared::envelope::Envelope)))]
#[tracing::instrument(skip_all)]
pub(crate) async fn list_events(
    State(state): State<AppState>,
    Query(query): Query<FeedQuery>,
) -> Result<Reply, ApiError> {
    let (after, limit) = query.validate()?;
    let retention = state.config.events.retention;
    match log::page(&*state.store, after, limit, retention, now_secs()).await? {
        Page::Expired => {
            let days = retention.as_secs() / 86_400;
            let problem = format!("es anterior a los eventos que se conservan ({days} días); lea de nuevo sin after");
            Err(ApiError::invalid("after", problem))
        }
        Page::Unknown => Err(ApiError::invalid("after", "no corresponde a ningún evento")),
        Page::Events { events, .. } if events.is_empty() => {
            Ok(Reply::info(Action::NoNewEvents, "No hay eventos nuevos.")
                .with_data(json!([]))
                .with_meta(json!({"next_cursor": after, "more": false, "limit": limit})))
        }
        Page::Events { events, more } => {
            let next_cursor = events.last().map(|event| event.id);
            Ok(Reply::success(Action::EventsListed, &events)
                .with_meta(json!({"next_cursor": next_cursor, "more": more, "limit": limit})))
        }
    }
}
