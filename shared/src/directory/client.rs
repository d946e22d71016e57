//! The client object of docs/api.md §4: the only view of a WispHub client record that leaves the API
//! (no passwords, MACs or coordinates: those are never even decoded), and what a directory
//! snapshot holds of each client.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::wisphub::model::ClientRecord;
use crate::wisphub::payment_status::{PaymentStatus, estado_facturas};

/// Text fields are boxed `str`s: the directory holds one per client of the tenant (50,000 of them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Client {
    pub service_id: i64,
    pub name: Option<Box<str>>,
    pub document: Option<Box<str>>,
    pub phone: Option<Box<str>>,
    pub address: Option<Box<str>>,
    pub city: Option<Box<str>>,
    pub locality: Option<Box<str>>,
    /// WispHub `estado_facturas`: Pagadas / Pendiente de Pago / Vencidas.
    // Read leniently: a stored snapshot holding a label this API does not know still loads.
    #[serde(default, deserialize_with = "estado_facturas")]
    pub payment_status: Option<PaymentStatus>,
    /// WispHub `estado`: Activo / Suspendido / Cancelado / Gratis.
    pub service_status: Option<Box<str>>,
    pub zone_id: Option<i64>,
    pub antenna_ip: Option<Box<str>>,
    #[schema(value_type = Option<String>, format = Date)]
    pub cut_off_date: Option<NaiveDate>,
    pub outstanding_balance: Option<f64>,
    pub lan_interface: Option<Box<str>>,
    pub internet_plan_name: Option<Box<str>>,
    pub internet_plan_price: Option<f64>,
    pub technician_id: Option<i64>,
}

impl From<&ClientRecord> for Client {
    fn from(record: &ClientRecord) -> Self {
        Client {
            service_id: record.id_servicio,
            name: text(&record.nombre),
            document: text(&record.cedula),
            phone: text(&record.telefono),
            address: text(&record.direccion),
            city: text(&record.ciudad),
            locality: text(&record.localidad),
            payment_status: record.estado_facturas,
            service_status: text(&record.estado),
            zone_id: record.zona.as_ref().and_then(|z| z.id),
            antenna_ip: text(&record.ip),
            cut_off_date: record.fecha_corte,
            outstanding_balance: record.saldo,
            lan_interface: text(&record.interfaz_lan),
            internet_plan_name: record.plan_internet.as_ref().and_then(|p| text(&p.nombre)),
            internet_plan_price: record.precio_plan,
            technician_id: record.tecnico.as_ref().and_then(|t| t.id),
        }
    }
}

fn text(value: &Option<String>) -> Option<Box<str>> {
    value.as_deref().map(Box::from)
}
