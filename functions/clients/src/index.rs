//! The directory as one instance searches it: every client of a snapshot with a folded search key,
//! so a search over 50,000 clients is a scan of short strings.

use shared::directory::Record;

use crate::client::Client;
use crate::text::{document_key, fold, national_numbers};

/// One client, what searches and identity checks compare against.
#[derive(Clone)]
pub struct Entry {
    pub client: Client,
    pub active: bool,
    pub plan_id: Option<i64>,
    /// Folded name, address, document and phone numbers: what a search word may appear in.
    haystack: Box<str>,
}

impl Entry {
    pub fn new(record: Record, country_code: &str) -> Self {
        let Record { client, active, plan_id, .. } = record;
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
        Entry { active, plan_id, client, haystack: haystack.into_boxed_str() }
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

#[cfg(test)]
mod tests {
    use super::*;
    use shared::wisphub::model::ClientRecord;

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
        let index = Index { entries: records.iter().map(|r| Entry::new(Record::from(r), "57")).collect() };
        assert_eq!(index.search("maria nunez").len(), 1);
        assert_eq!(index.search("NÚÑEZ san jose").len(), 1);
        assert_eq!(index.search("3209876543").len(), 1);
        assert_eq!(index.search("52345678").len(), 2);
        assert_eq!(index.search("mari").len(), 2);
        assert!(index.search("maria diaz").is_empty());
    }
}
