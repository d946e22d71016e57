//! Updating a client's document and phone (docs/api.md §4.3). WispHub answers 200 to writes it does not
//! keep, so success is only claimed after reading the profile back.

use axum::http::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use shared::ApiError;
use shared::ids::{Document, Phone, ServiceId};
use shared::wisphub::{Payload, Route, UpstreamError, WispHub, refusal_reason};
use utoipa::ToSchema;

use crate::client::Client;
use crate::directory::Directory;
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

/// The fields to write, each one WispHub can keep; built only through `ProfileUpdate::parse`.
#[derive(Debug)]
pub struct Changes {
    document: Option<Document>,
    phone: Option<Phone>,
}

impl ProfileUpdate {
    /// The fields given (blank ones are not), or a 422 naming the first one WispHub could not keep.
    pub fn parse(self, country_code: &str) -> Result<Changes, ApiError> {
        for (field, value) in [("document", &self.document), ("phone", &self.phone)] {
            if value.as_ref().is_some_and(|v| v.chars().count() > MAX_RAW_CHARS) {
                return Err(ApiError::invalid(field, "debe tener como máximo 64 caracteres"));
            }
        }
        let given = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        let document = given(self.document).map(|d| Document::storable(&d)).transpose();
        let document = document.map_err(|problem| ApiError::invalid("document", problem))?;
        let phone = given(self.phone).map(|p| Phone::storable(&p, country_code)).transpose();
        let phone = phone.map_err(|problem| ApiError::invalid("phone", problem))?;
        Ok(Changes { document, phone })
    }
}

/// What a profile update led to.
#[derive(Debug, PartialEq)]
pub enum Updated {
    /// Neither field was given; WispHub was not called.
    NothingGiven,
    UnknownClient,
    /// WispHub refused the write, for this reason.
    Refused(String),
    /// WispHub accepted the write but did not keep these fields (`document`, `phone`).
    NotKept(Vec<&'static str>),
    /// Written and read back: the client as WispHub now holds it.
    Kept(Box<Client>),
}

/// Writes the changes to the client's WispHub profile and reads them back.
pub async fn update(
    wisphub: &WispHub,
    directory: &Directory,
    country_code: &str,
    service_id: ServiceId,
    changes: Changes,
) -> Result<Updated, UpstreamError> {
    if changes.document.is_none() && changes.phone.is_none() {
        return Ok(Updated::NothingGiven);
    }
    let service_id = service_id.get();
    let Some(mut record) = wisphub.client_by_service_id(service_id).await? else {
        return Ok(Updated::UnknownClient);
    };

    let mut body = Map::new();
    if let Some(document) = &changes.document {
        body.insert("cedula".into(), json!(document.as_str()));
    }
    if let Some(phone) = &changes.phone {
        body.insert("telefono".into(), json!(phone.international(country_code)));
    }
    let route = Route::ClientProfile(service_id);
    let answer = wisphub.send(Method::PUT, &route, Payload::Json(Value::Object(body))).await?;
    if !answer.status.is_success() {
        return Ok(Updated::Refused(refusal_reason(&answer.body)));
    }

    let stored = wisphub.get(&route, &[]).await?.unwrap_or(Value::Null);
    let stored_text = |key: &str| stored.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let mut not_kept = Vec::new();
    if changes.document.as_ref().is_some_and(|d| document_key(&stored_text("cedula")) != d.as_str()) {
        not_kept.push("document");
    }
    let kept = |phone: &Phone| {
        national_numbers(&stored_text("telefono"), country_code).contains(&phone.national(country_code))
    };
    if changes.phone.as_ref().is_some_and(|p| !kept(p)) {
        not_kept.push("phone");
    }
    if !not_kept.is_empty() {
        tracing::warn!(service_id, fields = ?not_kept, "WispHub accepted a profile update but did not keep it");
        return Ok(Updated::NotKept(not_kept));
    }
    record.cedula = Some(stored_text("cedula")).filter(|s| !s.is_empty()).or(record.cedula);
    record.telefono = Some(stored_text("telefono")).filter(|s| !s.is_empty()).or(record.telefono);
    directory.refresh_entry(&record);
    wisphub.remember_clients(std::slice::from_ref(&record));
    Ok(Updated::Kept(Box::new(Client::from(&record))))
}

#[cfg(test)]
#[path = "profile_tests.rs"]
mod tests;
