//! The tenant's subject catalogue (cached per instance, read defensively) and each subject's priority.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use shared::cache::Cache;
use shared::wisphub::{Route, UpstreamError, WispHub};
use utoipa::ToSchema;

const TTL: Duration = Duration::from_secs(15 * 60);

/// docs/wisphub.md §3's default map (one Colombian ISP's catalogue), used when `TICKET_PRIORITIES` is unset.
const DEFAULT_PRIORITIES: [(&str, u8); 31] = [
    ("Cambio de Contraseña en Router Wifi", 1),
    ("Cambio de Domicilio", 1),
    ("Recolección De Equipos", 1),
    ("Cancelación", 1),
    ("Desconexión", 1),
    ("Internet Lento", 2),
    ("Internet Intermitente", 2),
    ("Antena Desalineada", 2),
    ("Cables Mal Colocados", 2),
    ("Cableado Para Modem Extra", 2),
    ("No Tiene Internet", 3),
    ("Antena Dañada", 3),
    ("No Responde la Antena", 3),
    ("No Responde el Router Wifi", 3),
    ("Router Wifi Reseteado (Valores de Fabrica)", 3),
    ("Cambio de Router Wifi", 3),
    ("Cambio de Antena", 3),
    ("Cambio de Antena + Router Wifi", 3),
    ("Cable UTP Dañado", 3),
    ("PoE Dañado", 3),
    ("Conector Dañado", 3),
    ("Antena valores De Fabrica", 3),
    ("Eliminador Dañado", 3),
    ("RJ45 Dañado", 3),
    ("Alambres Rotos", 3),
    ("Reconexión", 3),
    ("Cable Fibra Dañado", 3),
    ("Jumper Dañado", 3),
    ("Troncal Dañado", 4),
    ("Caja Nap Dañada", 4),
    ("Cambio A Fibra Óptica", 4),
];

/// A ticket priority; its code is what WispHub's `prioridad` field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    Low = 1,
    Normal = 2,
    High = 3,
    VeryHigh = 4,
}

impl Priority {
    /// The priority of a code 1..=4, the only codes WispHub takes.
    fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Priority::Low),
            2 => Some(Priority::Normal),
            3 => Some(Priority::High),
            4 => Some(Priority::VeryHigh),
            _ => None,
        }
    }

    pub fn code(self) -> u8 {
        self as u8
    }

    /// The `high` and `very_high` groups: connectivity faults, the ones a general outage explains.
    pub fn is_connectivity(self) -> bool {
        matches!(self, Priority::High | Priority::VeryHigh)
    }
}

/// Subject → priority: the configured map or the default one. Lookups try the exact spelling,
/// then ignore case, so a tenant writing "No tiene internet" still gets its priority.
#[derive(Debug, Clone)]
pub struct PriorityMap {
    exact: HashMap<String, Priority>,
    folded: HashMap<String, Priority>,
    listed: Vec<String>,
}

impl PriorityMap {
    pub fn new(configured: Option<&HashMap<String, u8>>) -> Self {
        let mut codes: Vec<(String, u8)> = match configured {
            Some(map) => map.iter().map(|(s, p)| (s.trim().to_owned(), *p)).collect(),
            None => DEFAULT_PRIORITIES.iter().map(|(s, p)| ((*s).to_owned(), *p)).collect(),
        };
        if configured.is_some() {
            // A JSON object has no order; sort so the fallback catalogue is stable.
            codes.sort();
        }
        // Parsed once here, so no lookup meets a stray code: the configuration refuses
        // TICKET_PRIORITIES codes outside 1..=4 and the default map has none.
        let pairs: Vec<(String, Priority)> = codes
            .into_iter()
            .map(|(subject, code)| (subject, Priority::from_code(code).expect("priority codes are 1..=4")))
            .collect();
        PriorityMap {
            folded: pairs.iter().map(|(s, p)| (s.to_lowercase(), *p)).collect(),
            listed: pairs.iter().map(|(s, _)| s.clone()).collect(),
            exact: pairs.into_iter().collect(),
        }
    }

    /// A subject missing from the map is normal.
    pub fn priority(&self, subject: &str) -> Priority {
        let code = self.exact.get(subject).or_else(|| self.folded.get(&subject.to_lowercase()));
        code.copied().unwrap_or(Priority::Normal)
    }

    /// The map's own subjects: the catalogue of last resort when WispHub never answered.
    pub fn subjects(&self) -> Vec<String> {
        self.listed.clone()
    }
}

/// `data` of `ticket_subjects_listed`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubjectCatalogue {
    pub by_priority: ByPriority,
    pub all: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ByPriority {
    pub low: Vec<String>,
    pub normal: Vec<String>,
    pub high: Vec<String>,
    pub very_high: Vec<String>,
}

impl SubjectCatalogue {
    pub fn group(subjects: &[String], priorities: &PriorityMap) -> Self {
        let mut groups = ByPriority::default();
        for subject in subjects {
            let group = match priorities.priority(subject) {
                Priority::Low => &mut groups.low,
                Priority::Normal => &mut groups.normal,
                Priority::High => &mut groups.high,
                Priority::VeryHigh => &mut groups.very_high,
            };
            group.push(subject.clone());
        }
        SubjectCatalogue { by_priority: groups, all: subjects.to_vec() }
    }
}

/// The subjects of the tenant and whether they may be out of date.
pub struct Known {
    pub subjects: Arc<Vec<String>>,
    pub stale: bool,
}

impl Known {
    /// The tenant's spelling of `wanted`: exact, else the single case-insensitive match.
    pub fn resolve(&self, wanted: &str) -> Option<String> {
        let wanted = wanted.trim();
        if let Some(exact) = self.subjects.iter().find(|s| s.as_str() == wanted) {
            return Some(exact.clone());
        }
        let folded = wanted.to_lowercase();
        let mut matches = self.subjects.iter().filter(|s| s.to_lowercase() == folded);
        match (matches.next(), matches.next()) {
            (Some(only), None) => Some(only.clone()),
            _ => None,
        }
    }
}

/// The catalogue of one instance: 15 minutes fresh, then served stale while a refresh runs.
pub struct Subjects {
    cache: Cache<Vec<String>>,
    pub priorities: PriorityMap,
}

impl Subjects {
    pub fn new(priorities: PriorityMap) -> Self {
        Subjects { cache: Cache::new(TTL), priorities }
    }

    /// Never fails: with WispHub down it answers the last catalogue it had, or the priority map's
    /// subjects, marked stale.
    pub async fn known(&self, wisphub: &WispHub) -> Known {
        let wisphub = wisphub.clone();
        match self.cache.get(move || load(wisphub)).await {
            Ok(snapshot) => Known { subjects: snapshot.value, stale: snapshot.stale },
            Err(e) => {
                tracing::warn!(error = %e, "subject catalogue unavailable; answering the priority map's subjects");
                Known { subjects: Arc::new(self.priorities.subjects()), stale: true }
            }
        }
    }
}

async fn load(wisphub: WispHub) -> Result<Vec<String>, UpstreamError> {
    let entries: Vec<SubjectEntry> = wisphub.list(&Route::TicketSubjects, &[]).await?;
    let mut subjects: Vec<String> = Vec::with_capacity(entries.len());
    for SubjectEntry(subject) in entries {
        if !subjects.contains(&subject) {
            subjects.push(subject);
        }
    }
    if subjects.is_empty() {
        // An empty catalogue would refuse every ticket; treat it as a bad answer and keep the last one.
        return Err(UpstreamError::Garbage("an empty subject catalogue".into()));
    }
    Ok(subjects)
}

/// One catalogue entry: its shape is not published, so a plain string or an object carrying
/// `nombre` or `asunto` are all accepted; anything else is skipped by the list reader.
struct SubjectEntry(String);

impl<'de> Deserialize<'de> for SubjectEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = match Value::deserialize(d)? {
            Value::String(s) => Some(s),
            Value::Object(mut o) => match (o.remove("nombre"), o.remove("asunto")) {
                (Some(Value::String(s)), _) | (_, Some(Value::String(s))) => Some(s),
                _ => None,
            },
            _ => None,
        };
        name.map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .map(SubjectEntry)
            .ok_or_else(|| serde::de::Error::custom("a subject entry without a name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(value: Value) -> Option<String> {
        serde_json::from_value::<SubjectEntry>(value).ok().map(|e| e.0)
    }

    #[test]
    fn entries_are_read_from_strings_nombre_or_asunto() {
        assert_eq!(entry(json!("Internet Lento")).as_deref(), Some("Internet Lento"));
        assert_eq!(entry(json!({"id": 1, "nombre": " Cancelación "})).as_deref(), Some("Cancelación"));
        assert_eq!(entry(json!({"id": 2, "asunto": "Reconexión"})).as_deref(), Some("Reconexión"));
        assert_eq!(entry(json!({"id": 3, "nombre": null})), None);
        assert_eq!(entry(json!(4)), None);
    }

    #[test]
    fn a_subject_missing_from_the_map_is_normal_and_case_is_forgiven() {
        let map = PriorityMap::new(None);
        assert_eq!(map.priority("Revisión General"), Priority::Normal);
        assert_eq!(map.priority("no tiene internet"), Priority::High);
        assert_eq!(map.priority("Caja Nap Dañada").code(), 4);
    }

    #[test]
    fn a_configured_map_replaces_the_default() {
        let configured = HashMap::from([("Visita".to_owned(), 4u8), ("Rara".to_owned(), 1u8)]);
        let map = PriorityMap::new(Some(&configured));
        assert_eq!((map.priority("Visita"), map.priority("Rara")), (Priority::VeryHigh, Priority::Low));
        assert_eq!(map.priority("No Tiene Internet"), Priority::Normal);
        assert_eq!(map.subjects(), ["Rara", "Visita"]);
    }

    #[test]
    fn grouping_keeps_catalogue_order() {
        let subjects: Vec<String> =
            ["Troncal Dañado", "Cancelación", "Revisión General", "Internet Lento"].map(String::from).to_vec();
        let catalogue = SubjectCatalogue::group(&subjects, &PriorityMap::new(None));
        assert_eq!(catalogue.by_priority.normal, ["Revisión General", "Internet Lento"]);
        assert_eq!((catalogue.by_priority.low.len(), catalogue.by_priority.very_high.len()), (1, 1));
        assert_eq!(catalogue.all, subjects);
    }

    #[test]
    fn a_subject_resolves_exactly_or_by_a_single_case_insensitive_match() {
        let known = Known { subjects: Arc::new(vec!["Internet Lento".into(), "Cancelación".into()]), stale: false };
        assert_eq!(known.resolve(" internet lento ").as_deref(), Some("Internet Lento"));
        assert_eq!(known.resolve("Jumper Dañado"), None);
    }
}
