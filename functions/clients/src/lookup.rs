//! Finding the services behind a document or a phone number. WispHub's filter is tried first (one
//! call); every record is checked against what was asked, because WispHub ignores filters it does
//! not know and stores numbers in spellings its exact filters miss; then the directory snapshot
//! answers.

use shared::ApiError;
use shared::ids::Document;
use shared::wisphub::model::ClientRecord;
use shared::wisphub::{Route, WispHub};

use crate::client::Client;
use crate::directory::Directory;
use crate::text::{document_key, national_numbers};

/// A person-level key a caller looks clients up by, already normalised.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// Document without separators.
    Document(Document),
    /// National phone number.
    Phone(String),
}

impl Lookup {
    fn matches(&self, document: Option<&str>, phone: Option<&str>, country_code: &str) -> bool {
        match self {
            Lookup::Document(key) => document.is_some_and(|d| document_key(d) == key.as_str()),
            Lookup::Phone(number) => national_numbers(phone.unwrap_or_default(), country_code).contains(number),
        }
    }

    fn filter(&self) -> (&'static str, String) {
        match self {
            Lookup::Document(key) => ("cedula", key.as_str().to_owned()),
            Lookup::Phone(number) => ("telefono__contains", number.clone()),
        }
    }
}

/// The matching services, ordered by service id (several when one person holds several services).
pub async fn find_clients(
    wisphub: &WispHub,
    directory: &Directory,
    lookup: &Lookup,
    country_code: &str,
) -> Result<Vec<Client>, ApiError> {
    let matches = |r: &ClientRecord| lookup.matches(r.cedula.as_deref(), r.telefono.as_deref(), country_code);
    let records = wisphub.find(&Route::Clients, &[lookup.filter()], matches).await?;
    wisphub.remember_clients(&records);
    let mut clients: Vec<Client> = records.iter().map(Client::from).collect();
    if clients.is_empty() {
        clients = directory
            .current()
            .await?
            .index
            .entries
            .iter()
            .filter(|e| lookup.matches(e.client.document.as_deref(), e.client.phone.as_deref(), country_code))
            .map(|e| e.client.clone())
            .collect();
    }
    clients.sort_by_key(|c| c.service_id);
    clients.dedup_by_key(|c| c.service_id);
    Ok(clients)
}
