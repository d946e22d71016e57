//! `GET /{service_id}/outage/`: whether the customer's router or sector has a general fault the
//! ISP already knows about, so a bot can say so instead of opening one more ticket.

use axum::extract::State;
use shared::extract::Path;
use shared::ids::ServiceId;
use shared::outage::{Outage, OutageReport};
use shared::{Action, ApiError, AppState, Reply};

/// The general outage in front of a customer, read from their WispHub record (one client read, cached 60 s).
#[utoipa::path(get, path = "/api/v1/{service_id}/outage", tag = "network",
    params(("service_id" = i64, Path, description = "WispHub service id", minimum = 1)),
    security(("OAuth2PasswordBearer" = ["network:read"])),
    responses((status = 200, description = "info `general_outage` (the router or sector is flagged), \
        `no_general_outage`, or info `client_not_found`", body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "info", "action": "general_outage",
            "data": {"service_id": 1003, "scope": "sector", "device_name": "Sectorial Rural 90°",
                "description": "Mantenimiento programado en la torre rural"},
            "message": "Hay una falla general conocida en el sector Sectorial Rural 90° del cliente: \
                Mantenimiento programado en la torre rural.", "meta": null})),
        (status = 422, description = "`service_id` is not a positive integer", body = shared::envelope::Envelope),
        (status = 502, description = "WispHub answered something unreadable", body = shared::envelope::Envelope),
        (status = 503, description = "WispHub unavailable; see Retry-After", body = shared::envelope::Envelope)))]
#[tracing::instrument(skip_all, fields(service_id = service_id.get()))]
pub(crate) async fn get_outage(
    State(state): State<AppState>,
    Path(service_id): Path<ServiceId>,
) -> Result<Reply, ApiError> {
    let service_id = service_id.get();
    let Some(client) = state.wisphub.client_by_service_id(service_id).await? else {
        return Ok(Reply::client_not_found());
    };
    Ok(match Outage::of(&client) {
        Some(outage) => {
            Reply::info(Action::GeneralOutage, outage.message()).with_data(OutageReport::new(service_id, Some(outage)))
        }
        None => Reply::success(Action::NoGeneralOutage, OutageReport::new(service_id, None))
            .with_message("No hay fallas generales conocidas en el router ni en el sector del cliente."),
    })
}
