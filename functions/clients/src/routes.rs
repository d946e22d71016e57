//! The HTTP face of the clients function: extract, call the domain, answer.

use axum::extract::State;
use serde::Deserialize;
use serde_json::json;
use shared::auth::Caller;
use shared::envelope::CLIENT_NOT_FOUND;
use shared::extract::{Json, Path, Query};
use shared::ids::{Document, Phone, ServiceId};
use shared::{Action, ApiError, Reply};
use utoipa::IntoParams;

use crate::ClientsState;
use crate::checks::{self, Resolution, Verification};
use crate::client::{Client, example};
use crate::identity::{Claim, IdentityClaim};
use crate::lookup::{Lookup, find_clients};
use crate::profile::{self, ProfileUpdate, Updated};

const MAX_PAGE: i64 = 1000;
const ENVELOPE: &str = "The envelope; see the examples";

#[derive(Debug, Deserialize, IntoParams)]
pub struct Paging {
    /// Page size, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// Clients to skip (default 0).
    #[param(minimum = 0)]
    offset: Option<i64>,
}

impl Paging {
    fn page<'a>(&self, clients: impl Iterator<Item = &'a Client>) -> Result<Reply, ApiError> {
        let limit = self.limit.unwrap_or(100);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ApiError::invalid("limit", "debe estar entre 1 y 1000"));
        }
        let offset = self.offset.unwrap_or(0);
        if offset < 0 {
            return Err(ApiError::invalid("offset", "no puede ser negativo"));
        }
        let (limit, offset) = (limit as usize, offset as usize);
        let all: Vec<&Client> = clients.collect();
        let page: Vec<&Client> = all.iter().skip(offset).take(limit).copied().collect();
        let meta = json!({ "total": all.len(), "limit": limit, "offset": offset });
        let action = if all.is_empty() { Action::ClientNotFound } else { Action::ClientsListed };
        Ok(Reply::success(action, page).with_meta(meta))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// At least 3 characters besides surrounding spaces; every word must appear in name, address,
    /// document or phone.
    #[param(min_length = 3)]
    q: String,
    /// Page size, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// Clients to skip (default 0).
    #[param(minimum = 0)]
    offset: Option<i64>,
}

/// Active clients, paged (bulk personal data: needs `clients:list`).
#[utoipa::path(get, path = "/api/v1/clients", tag = "clients", params(Paging),
    security(("OAuth2PasswordBearer" = ["clients:list"])),
    responses((status = 200, description = ENVELOPE, body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "clients_listed", "data": [example()],
            "message": null, "meta": {"total": 1, "limit": 100, "offset": 0}}))))]
#[tracing::instrument(skip_all)]
pub async fn list_clients(State(state): State<ClientsState>, Query(paging): Query<Paging>) -> Result<Reply, ApiError> {
    let directory = state.directory.current().await?;
    let reply = paging.page(directory.index.active())?.with_meta_entry("snapshot_age_secs", directory.age_secs());
    Ok(if reply.envelope().action == Action::ClientNotFound {
        reply.with_message("No hay clientes activos.")
    } else {
        reply
    })
}

/// Case- and accent-insensitive search over every client.
#[utoipa::path(get, path = "/api/v1/clients/search", tag = "clients", params(SearchQuery),
    security(("OAuth2PasswordBearer" = ["clients:list"])),
    responses((status = 200, description = "`clients_listed`, or `client_not_found` with an empty list",
        body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "clients_listed", "data": [example()],
            "message": null, "meta": {"total": 1, "limit": 100, "offset": 0}})),
        (status = 422, description = "`q` under 3 characters, or `limit`/`offset` out of range")))]
#[tracing::instrument(skip_all)]
pub async fn search_clients(
    State(state): State<ClientsState>,
    Query(query): Query<SearchQuery>,
) -> Result<Reply, ApiError> {
    if query.q.trim().chars().count() < 3 {
        return Err(ApiError::invalid("q", "debe tener al menos 3 caracteres"));
    }
    let directory = state.directory.current().await?;
    let found = directory.index.search(&query.q).into_iter();
    Ok(Paging { limit: query.limit, offset: query.offset }
        .page(found)?
        .with_meta_entry("snapshot_age_secs", directory.age_secs()))
}

fn found(clients: Vec<Client>) -> Reply {
    match clients.first() {
        Some(first) => {
            let ids: Vec<i64> = clients.iter().map(|c| c.service_id).collect();
            Reply::success(Action::ClientFound, first).with_meta(json!({ "service_ids": ids }))
        }
        None => Reply::info(Action::ClientNotFound, "No se encontró ningún cliente con ese dato."),
    }
}

/// A client by document (dots, dashes and spaces ignored).
#[utoipa::path(get, path = "/api/v1/clients/by-document/{document}", tag = "clients",
    params(("document" = String, Path, min_length = 1,
        description = "Cédula or NIT, any spelling; it must hold a letter or a digit")),
    security(("OAuth2PasswordBearer" = ["clients:read"])),
    responses((status = 200, description = "`client_found` (first service in data, all in meta.service_ids) or info `client_not_found`",
        body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "client_found", "data": example(),
            "message": null, "meta": {"service_ids": [1001, 1002]}}))))]
#[tracing::instrument(skip_all)]
pub async fn get_client_by_document(
    State(state): State<ClientsState>,
    Path(document): Path<Document>,
) -> Result<Reply, ApiError> {
    let code = &state.app.config.default_country_code;
    Ok(found(find_clients(&state.app.wisphub, &state.directory, &Lookup::Document(document), code).await?))
}

/// A client by phone, compared on the national number.
#[utoipa::path(get, path = "/api/v1/clients/by-phone/{phone}", tag = "clients",
    params(("phone" = String, Path, min_length = 7, pattern = "^[^0-9]*([0-9][^0-9]*){7,}$",
        description = "Any spelling with at least 7 digits: +57 300-123 4567, 573001234567, 3001234567")),
    security(("OAuth2PasswordBearer" = ["clients:read"])),
    responses((status = 200, description = "`client_found` or info `client_not_found`", body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "client_found", "data": example(),
            "message": null, "meta": {"service_ids": [1001]}}))))]
#[tracing::instrument(skip_all)]
pub async fn get_client_by_phone(
    State(state): State<ClientsState>,
    Path(phone): Path<Phone>,
) -> Result<Reply, ApiError> {
    let code = &state.app.config.default_country_code;
    let number = phone.national(code);
    Ok(found(find_clients(&state.app.wisphub, &state.directory, &Lookup::Phone(number), code).await?))
}

/// A client by WispHub service id.
#[utoipa::path(get, path = "/api/v1/clients/by-service-id/{service_id}", tag = "clients",
    params(("service_id" = i64, Path, minimum = 1, description = "WispHub id_servicio")),
    security(("OAuth2PasswordBearer" = ["clients:read"])),
    responses((status = 200, description = "`client_found` or info `client_not_found`", body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "client_found", "data": example(),
            "message": null, "meta": {"service_ids": [1001]}}))))]
#[tracing::instrument(skip_all, fields(service_id = service_id.get()))]
pub async fn get_client_by_service_id(
    State(state): State<ClientsState>,
    Path(service_id): Path<ServiceId>,
) -> Result<Reply, ApiError> {
    let record = state.app.wisphub.client_by_service_id(service_id.get()).await?;
    Ok(found(record.iter().map(Client::from).collect()))
}

/// Who is this person? Needs 3 of name, address, plan name, plan price.
#[utoipa::path(post, path = "/api/v1/clients/resolve", tag = "clients",
    request_body(content = IdentityClaim, example = json!({"name": "José Pérez", "address": "Vereda El Peñón", "internet_plan_price": 65000})),
    security(("OAuth2PasswordBearer" = ["clients:read"])),
    responses((status = 200, description = "`client_verified` (with `meta.verification`, the proof for the billing \
        routes), or error `client_not_found` / `client_ambiguous` / `client_verification_failed`",
        body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "client_verified", "data": example(),
            "message": "Cliente identificado y verificado exitosamente.", "meta": {"service_ids": [1001],
                "verification": {"token": "eyJhbGciOiJIUzI1NiJ9…", "service_id": 1001, "expires_in": 900}}}))))]
#[tracing::instrument(skip_all)]
pub async fn resolve_client(
    State(state): State<ClientsState>,
    caller: Caller,
    Json(claim): Json<IdentityClaim>,
) -> Result<Reply, ApiError> {
    let claim = Claim::parse(claim)?;
    Ok(match checks::resolve(&state.app.wisphub, &state.directory, &claim).await? {
        Resolution::TooFewFields => Reply::failure(
            Action::ClientVerificationFailed,
            "Se requieren al menos 3 campos para resolver la identidad (nombre, dirección, plan, precio).",
        ),
        Resolution::NoMatch => {
            Reply::failure(Action::ClientNotFound, "Ningún cliente coincide con todos los datos proporcionados.")
        }
        Resolution::Identified { client, service_ids, snapshot_age_secs } => {
            // The proof a bot shows to the money routes (docs/api.md §10), for the service identified.
            let proof = state.app.proofs.issue(&caller.subject, client.service_id)?;
            Reply::success(Action::ClientVerified, client)
                .with_message("Cliente identificado y verificado exitosamente.")
                .with_meta(json!({ "service_ids": service_ids, "snapshot_age_secs": snapshot_age_secs,
                    "verification": proof }))
        }
        Resolution::Ambiguous => {
            Reply::failure(Action::ClientAmbiguous, "Varios clientes coinciden; se necesita otro dato.")
        }
    })
}

/// Is this person the holder of the service? Answers which fields matched, never stored values.
#[utoipa::path(post, path = "/api/v1/clients/{service_id}/verify", tag = "clients",
    params(("service_id" = i64, Path, minimum = 1, description = "WispHub id_servicio")),
    request_body(content = IdentityClaim, example = json!({"address": "Vereda El Peñón", "internet_plan_name": "10MB PLUS", "internet_plan_price": 65000.0})),
    security(("OAuth2PasswordBearer" = ["clients:read"])),
    responses((status = 200, description = "`client_verified` or `client_verification_failed` (data.is_valid, \
        data.matched_fields); `client_verified` carries `meta.verification`, the proof the billing routes need in \
        `X-Verification-Token` (this service, this API user, `VERIFICATION_TTL_MINUTES`)",
        body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "client_verified",
            "data": {"is_valid": true, "matched_fields": ["address", "internet_plan_name", "internet_plan_price"]},
            "message": "Identidad validada de manera exitosa.",
            "meta": {"verification": {"token": "eyJhbGciOiJIUzI1NiJ9…", "service_id": 1001, "expires_in": 900}}})),
        (status = 429, description = "5 failed verifications of this service in 15 minutes; see Retry-After")))]
#[tracing::instrument(skip_all, fields(service_id = service_id.get()))]
pub async fn verify_client(
    State(state): State<ClientsState>,
    caller: Caller,
    Path(service_id): Path<ServiceId>,
    Json(claim): Json<IdentityClaim>,
) -> Result<Reply, ApiError> {
    let claim = Claim::parse(claim)?;
    let verdict = |is_valid, matched| json!({ "is_valid": is_valid, "matched_fields": matched });
    Ok(match checks::verify(&*state.app.store, &state.app.wisphub, service_id, &claim).await? {
        Verification::TooFewFields => Reply::failure(
            Action::ClientVerificationFailed,
            "Se requieren al menos 3 campos para verificar la identidad (nombre, dirección, plan, precio).",
        ),
        Verification::LockedOut { retry_after_secs } => return Err(ApiError::TooManyAttempts { retry_after_secs }),
        Verification::UnknownClient => Reply::failure(Action::ClientNotFound, CLIENT_NOT_FOUND),
        Verification::Verified { matched } => {
            let proof = state.app.proofs.issue(&caller.subject, service_id.get())?;
            Reply::success(Action::ClientVerified, verdict(true, matched))
                .with_message("Identidad validada de manera exitosa.")
                .with_meta(json!({ "verification": proof }))
        }
        Verification::Mismatch { matched } => Reply::success(Action::ClientVerificationFailed, verdict(false, matched))
            .with_message("Los datos proporcionados no coinciden con la información registrada."),
    })
}

/// Updates the document and/or phone, confirmed by reading WispHub back.
#[utoipa::path(put, path = "/api/v1/clients/{service_id}", tag = "clients",
    params(("service_id" = i64, Path, minimum = 1, description = "WispHub id_servicio")),
    request_body(content = ProfileUpdate, example = json!({"document": "1.023.456.789", "phone": "+57 300 123 4567"})),
    security(("OAuth2PasswordBearer" = ["clients:write"])),
    responses((status = 200, description = "`client_updated`, or error `client_update_failed` naming the field WispHub did not keep",
        body = shared::envelope::Envelope,
        example = json!({"ok": true, "type": "success", "action": "client_updated", "data": example(),
            "message": "Perfil del cliente actualizado exitosamente.", "meta": null})),
        (status = 422, description = "`service_id` not a positive integer, a `document` under 5 or over 20 letters and \
            digits, or a `phone` that is not one number of at most 15 digits with the country code")))]
#[tracing::instrument(skip_all, fields(service_id = service_id.get()))]
pub async fn update_client(
    State(state): State<ClientsState>,
    Path(service_id): Path<ServiceId>,
    Json(update): Json<ProfileUpdate>,
) -> Result<Reply, ApiError> {
    let code = &state.app.config.default_country_code;
    let changes = update.parse(code)?;
    Ok(match profile::update(&state.app.wisphub, &state.directory, code, service_id, changes).await? {
        Updated::NothingGiven => {
            Reply::failure(Action::ClientUpdateFailed, "No se brindaron datos válidos para actualizar.")
        }
        Updated::UnknownClient => Reply::failure(Action::ClientNotFound, CLIENT_NOT_FOUND),
        Updated::Refused(reason) => {
            Reply::failure(Action::ClientUpdateFailed, format!("WispHub rechazó la actualización: {reason}"))
        }
        Updated::NotKept(fields) => Reply::failure(
            Action::ClientUpdateFailed,
            format!("WispHub no guardó los cambios en: {}.", fields.join(", ")),
        ),
        Updated::Kept(client) => {
            Reply::success(Action::ClientUpdated, client).with_message("Perfil del cliente actualizado exitosamente.")
        }
    })
}
