//! One client by service id, with a short per-instance memory of records just read: a chatbot
//! conversation asks for the same client several times within a minute.

use std::time::Duration;

use super::model::ClientRecord;
use super::{Route, UpstreamError, WispHub};
use crate::recent::Recent;

/// How long a record serves later lookups, and how many are kept.
const RECENT_CLIENT_TTL: Duration = Duration::from_secs(60);
const RECENT_CLIENT_CAPACITY: usize = 5_000;

/// Records read in the last minute, by service id.
pub(super) fn recent_clients() -> Recent<ClientRecord> {
    Recent::new(RECENT_CLIENT_TTL, RECENT_CLIENT_CAPACITY)
}

impl WispHub {
    /// One service by id, through the list serializer (the detail route lacks phone, balance and
    /// billing) and checked record by record, so an ignored filter never yields a stranger.
    /// A record read in the last minute is reused.
    pub async fn client_by_service_id(&self, service_id: i64) -> Result<Option<ClientRecord>, UpstreamError> {
        if let Some(record) = self.recent_clients().get(service_id) {
            return Ok(Some(record));
        }
        let filter = [("id_servicio", service_id.to_string())];
        let found = self.find(&Route::Clients, &filter, |r: &ClientRecord| r.id_servicio == service_id).await?;
        self.remember_clients(&found);
        Ok(found.into_iter().next())
    }

    /// Keeps records just read from WispHub for the next minute's lookups by service id.
    pub fn remember_clients(&self, records: &[ClientRecord]) {
        self.recent_clients().keep(records.iter().map(|record| (record.id_servicio, record.clone())));
    }
}
