//! The tenant's payment methods (WispHub `formas-de-pago`, every page), cached 15 minutes per
//! instance: they change a few times a year and every "¿cómo pago?" asks for them.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use shared::cache::Cache;
use shared::wisphub::model::{required_int, text};
use shared::wisphub::{Route, UpstreamError, WispHub};
use utoipa::ToSchema;

const TTL: Duration = Duration::from_secs(15 * 60);

/// One record of `GET /api/formas-de-pago/`.
#[derive(Debug, Deserialize)]
struct PaymentMethodRecord {
    #[serde(deserialize_with = "required_int")]
    id: i64,
    #[serde(default, deserialize_with = "text")]
    nombre: Option<String>,
}

/// A way the tenant takes payments.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentMethod {
    pub payment_method_id: i64,
    pub name: String,
}

/// `data` of `payment_methods_listed`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentMethods {
    pub methods: Vec<PaymentMethod>,
    /// `PAYMENT_PORTAL_URL`, null when unset.
    pub payment_url: Option<String>,
}

/// The cached list.
pub struct PaymentMethodCatalogue {
    cache: Cache<Vec<PaymentMethod>>,
}

impl PaymentMethodCatalogue {
    pub fn new() -> Self {
        PaymentMethodCatalogue { cache: Cache::new(TTL) }
    }

    /// Every named method, as WispHub lists them (served stale while a refresh runs).
    pub async fn all(&self, wisphub: &WispHub) -> Result<Arc<Vec<PaymentMethod>>, UpstreamError> {
        let wisphub = wisphub.clone();
        let snapshot = self
            .cache
            .get(move || async move {
                let records: Vec<PaymentMethodRecord> = wisphub.list(&Route::PaymentMethods, &[]).await?;
                Ok::<_, UpstreamError>(
                    records
                        .into_iter()
                        .filter_map(|r| Some(PaymentMethod { payment_method_id: r.id, name: r.nombre? }))
                        .collect(),
                )
            })
            .await?;
        Ok(snapshot.value)
    }
}
