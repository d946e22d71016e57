//! The client directory: every client of the tenant, fetched with the WispHub client's bounded
//! paging, kept per instance for 5 minutes (single-flight refresh, stale while refreshing), with a
//! folded search key per client so a search over 50,000 clients is a scan of short strings.

use std::sync::Arc;
use std::time::Duration;

use shared::cache::{Cache, Snapshot};
use shared::wisphub::model::ClientRecord;
use shared::wisphub::{Route, UpstreamError, WispHub};

use crate::client::Client;
use crate::text::{document_key, fold, national_numbers};

const TTL: Duration = Duration::from_secs(5 * 60);

/// One client, what searches and identity checks compare against.
pub struct Entry {
    pub client: Client,
    pub active: bool,
    pub plan_id: Option<i64>,
    /// Folded name, address, document and phone numbers: what a search word may appear in.
    haystack: Box<str>,
}

impl Entry {
    pub fn new(record: &ClientRecord, country_code: &str) -> Self {
        let client = Client::from(record);
        let mut haystack = fold(&format!(
            "{} {} {}",
            client.name.as_deref().unwrap_or_default(),
            client.address.as_deref().unwrap_or_default(),
            client.document.as_deref().unwrap_or_default(),
        ));
        if let Some(document) = &client.document {
            haystack.push(' ');
            haystack.push_str(&document_key(document).to_lowercase());
        }
        for number in national_numbers(client.phone.as_deref().unwrap_or_default(), country_code) {
            haystack.push(' ');
            haystack.push_str(&number);
        }
        let plan_id = record.plan_internet.as_ref().and_then(|p| p.id);
        Entry { active: record.is_active(), plan_id, client, haystack: haystack.into_boxed_str() }
    }
}

/// Every client, in WispHub's order.
pub struct Index {
    pub entries: Vec<Entry>,
}

impl Index {
    /// Clients whose name, address, document or phone contain every word of `query`.
    pub fn search(&self, query: &str) -> Vec<&Client> {
        let folded = fold(query);
        let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        self.containing(&words).map(|entry| &entry.client).collect()
    }

    /// Entries whose folded name, address, document and phones hold every one of `words`
    /// (already folded) somewhere: a scan of short strings, the first cut of every search.
    pub fn containing<'a, 'w, W: AsRef<str>>(
        &'a self,
        words: &'w [W],
    ) -> impl Iterator<Item = &'a Entry> + use<'a, 'w, W> {
        self.entries.iter().filter(|entry| words.iter().all(|word| entry.haystack.contains(word.as_ref())))
    }

    pub fn active(&self) -> impl Iterator<Item = &Client> {
        self.entries.iter().filter(|e| e.active).map(|e| &e.client)
    }
}

#[derive(Clone)]
pub struct Directory {
    cache: Cache<Index>,
    country_code: Arc<str>,
}

impl Directory {
    pub fn new(country_code: &str) -> Self {
        Directory { cache: Cache::new(TTL), country_code: country_code.into() }
    }

    pub async fn index(&self, wisphub: &WispHub) -> Result<Snapshot<Index>, UpstreamError> {
        let wisphub = wisphub.clone();
        let country_code = self.country_code.clone();
        self.cache
            .get(move || async move {
                // Entries are built page by page: the wire records of the whole tenant are never held at once.
                let entries = wisphub
                    .list_kept(&Route::Clients, &[], |record: ClientRecord| Some(Entry::new(&record, &country_code)))
                    .await?;
                Ok::<_, UpstreamError>(Index { entries })
            })
            .await
    }

    /// Replaces one client's entry after a write we made, if the directory is loaded.
    pub fn refresh_entry(&self, record: &ClientRecord) {
        let Some(snapshot) = self.cache.peek() else { return };
        let entries = snapshot
            .value
            .entries
            .iter()
            .map(|entry| {
                if entry.client.service_id == record.id_servicio {
                    Entry::new(record, &self.country_code)
                } else {
                    Entry {
                        client: entry.client.clone(),
                        active: entry.active,
                        plan_id: entry.plan_id,
                        haystack: entry.haystack.clone(),
                    }
                }
            })
            .collect();
        self.cache.put(Index { entries });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: i64, name: &str, phone: &str) -> ClientRecord {
        serde_json::from_value(serde_json::json!({
            "id_servicio": id, "nombre": name, "telefono": phone, "cedula": "52.345.678",
            "direccion": "Barrio San José", "estado": "Activo"
        }))
        .unwrap()
    }

    #[test]
    fn search_matches_every_word_in_any_field_without_accents() {
        let records = [record(1, "María Núñez", "3157654321, 3209876543"), record(2, "Mario Díaz", "3001112233")];
        let index = Index { entries: records.iter().map(|r| Entry::new(r, "57")).collect() };
        assert_eq!(index.search("maria nunez").len(), 1);
        assert_eq!(index.search("NÚÑEZ san jose").len(), 1);
        assert_eq!(index.search("3209876543").len(), 1);
        assert_eq!(index.search("52345678").len(), 2);
        assert_eq!(index.search("mari").len(), 2);
        assert!(index.search("maria diaz").is_empty());
    }
}
