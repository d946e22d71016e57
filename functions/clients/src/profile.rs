//! Updating a client's document and phone (API.md §4.3). WispHub answers 200 to writes it does not
//! keep, so success is only claimed after reading the profile back.

use axum::http::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use shared::envelope::CLIENT_NOT_FOUND;
use shared::ids::{Document, Phone, ServiceId};
use shared::wisphub::{Payload, Route, refusal_reason};
use shared::{Action, ApiError, Reply};
use utoipa::ToSchema;

use crate::ClientsState;
use crate::client::Client;
use crate::text::{document_key, national_numbers};

/// Longest text accepted for either field as typed, separators included.
const MAX_RAW_CHARS: usize = 64;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"document": "1.023.456.789", "phone": "+57 300 123 4567"}))]
pub struct ProfileUpdate {
    /// Cédula or NIT, any spelling: 5 to 20 letters and digits once dots, dashes and spaces are dropped.
    #[schema(max_length = 64)]
    pub document: Option<String>,
    /// Any spelling; at most 15 digits with the country code (added when missing).
    #[schema(max_length = 64)]
    pub phone: Option<String>,
}

/// The values to write, each one WispHub can keep.
struct Wanted {
    document: Option<Document>,
    phone: Option<Phone>,
}

fn normalise(update: ProfileUpdate, country_code: &str) -> Result<Wanted, ApiError> {
    for (field, value) in [("document", &update.document), ("phone", &update.phone)] {
        if value.as_ref().is_some_and(|v| v.chars().count() > MAX_RAW_CHARS) {
            return Err(ApiError::invalid(field, "debe tener como máximo 64 caracteres"));
        }
    }
    let given = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    let document = given(update.document).map(|d| Document::storable(&d)).transpose();
    let document = document.map_err(|problem| ApiError::invalid("document", problem))?;
    let phone = given(update.phone).map(|p| Phone::storable(&p, country_code)).transpose();
    let phone = phone.map_err(|problem| ApiError::invalid("phone", problem))?;
    Ok(Wanted { document, phone })
}

pub async fn update(state: &ClientsState, service_id: ServiceId, update: ProfileUpdate) -> Result<Reply, ApiError> {
    let country_code = &state.app.config.default_country_code;
    let wanted = normalise(update, country_code)?;
    if wanted.document.is_none() && wanted.phone.is_none() {
        return Ok(Reply::failure(Action::ClientUpdateFailed, "No se brindaron datos válidos para actualizar."));
    }
    let service_id = service_id.get();
    let wisphub = &state.app.wisphub;
    let Some(mut record) = wisphub.client_by_service_id(service_id).await? else {
        return Ok(Reply::failure(Action::ClientNotFound, CLIENT_NOT_FOUND));
    };

    let mut body = Map::new();
    if let Some(document) = &wanted.document {
        body.insert("cedula".into(), json!(document.as_str()));
    }
    if let Some(phone) = &wanted.phone {
        body.insert("telefono".into(), json!(phone.international(country_code)));
    }
    let route = Route::ClientProfile(service_id);
    let answer = wisphub.send(Method::PUT, &route, Payload::Json(Value::Object(body))).await?;
    if !answer.status.is_success() {
        let reason = refusal_reason(&answer.body);
        return Ok(Reply::failure(Action::ClientUpdateFailed, format!("WispHub rechazó la actualización: {reason}")));
    }

    let stored = wisphub.get(&route, &[]).await?.unwrap_or(Value::Null);
    let stored_text = |key: &str| stored.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let mut not_kept = Vec::new();
    if wanted.document.as_ref().is_some_and(|d| document_key(&stored_text("cedula")) != d.as_str()) {
        not_kept.push("document");
    }
    let kept = |phone: &Phone| {
        national_numbers(&stored_text("telefono"), country_code).contains(&phone.national(country_code))
    };
    if wanted.phone.as_ref().is_some_and(|p| !kept(p)) {
        not_kept.push("phone");
    }
    if !not_kept.is_empty() {
        tracing::warn!(service_id, fields = ?not_kept, "WispHub accepted a profile update but did not keep it");
        return Ok(Reply::failure(
            Action::ClientUpdateFailed,
            format!("WispHub no guardó los cambios en: {}.", not_kept.join(", ")),
        ));
    }
    record.cedula = Some(stored_text("cedula")).filter(|s| !s.is_empty()).or(record.cedula);
    record.telefono = Some(stored_text("telefono")).filter(|s| !s.is_empty()).or(record.telefono);
    state.directory.refresh_entry(&record);
    wisphub.remember_clients(std::slice::from_ref(&record));
    Ok(Reply::success(Action::ClientUpdated, Client::from(&record))
        .with_message("Perfil del cliente actualizado exitosamente."))
}
