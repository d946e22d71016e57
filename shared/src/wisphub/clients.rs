//! One client by service id, with a short per-instance memory of records just read: a chatbot
//! conversation asks for the same client several times within a minute.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

use super::model::ClientRecord;
use super::{Route, UpstreamError, WispHub};

/// How long a record serves later lookups, and how many are kept.
const RECENT_CLIENT_TTL: Duration = Duration::from_secs(60);
const RECENT_CLIENT_CAPACITY: usize = 5_000;

/// Records read in the last minute, by service id.
#[derive(Default)]
pub(super) struct RecentClients(Mutex<HashMap<i64, (Instant, ClientRecord)>>);

impl RecentClients {
    fn lock(&self) -> MutexGuard<'_, HashMap<i64, (Instant, ClientRecord)>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl WispHub {
    /// One service by id, through the list serializer (the detail route lacks phone, balance and
    /// billing) and checked record by record, so an ignored filter never yields a stranger.
    /// A record read in the last minute is reused.
    pub async fn client_by_service_id(&self, service_id: i64) -> Result<Option<ClientRecord>, UpstreamError> {
        let recent = self.recent_clients().lock().get(&service_id).cloned();
        if let Some((_, record)) = recent.filter(|(at, _)| at.elapsed() < RECENT_CLIENT_TTL) {
            return Ok(Some(record));
        }
        let filter = [("id_servicio", service_id.to_string())];
        let found = self.find(&Route::Clients, &filter, |r: &ClientRecord| r.id_servicio == service_id).await?;
        self.remember_clients(&found);
        Ok(found.into_iter().next())
    }

    /// Keeps records just read from WispHub for the next minute's lookups by service id.
    pub fn remember_clients(&self, records: &[ClientRecord]) {
        let mut recent = self.recent_clients().lock();
        if recent.len() + records.len() > RECENT_CLIENT_CAPACITY {
            recent.clear();
        }
        for record in records {
            recent.insert(record.id_servicio, (Instant::now(), record.clone()));
        }
    }
}
