//! General outages (docs/api.md §12): the ISP flags a router or a sector with `falla_general`, and
//! every customer behind it is affected. Read from the client record WispHub already sends, so
//! knowing costs no extra call; the network and tickets functions both answer with it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::wisphub::model::{ClientRecord, DeviceRecord};

/// Which of the customer's devices carries the fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutageScope {
    Router,
    Sector,
}

/// A known general fault in front of a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"scope": "sector", "device_name": "Sectorial Rural 90°",
    "description": "Mantenimiento programado en la torre rural"}))]
pub struct Outage {
    pub scope: OutageScope,
    pub device_name: Option<String>,
    /// The ISP's own words, when it wrote any.
    pub description: Option<String>,
}

/// `data` of the outage route: the service and its outage, every field null when there is none.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutageReport {
    pub service_id: i64,
    pub scope: Option<OutageScope>,
    pub device_name: Option<String>,
    pub description: Option<String>,
}

impl Outage {
    /// The client's general fault: the router first (it takes the sector down with it), then the sector.
    pub fn of(client: &ClientRecord) -> Option<Outage> {
        let flagged = |device: &Option<DeviceRecord>, scope| {
            device.as_ref().filter(|d| d.falla_general).map(|d| Outage {
                scope,
                device_name: d.nombre.clone(),
                description: d.falla_general_descripcion.clone(),
            })
        };
        flagged(&client.router, OutageScope::Router).or_else(|| flagged(&client.sectorial, OutageScope::Sector))
    }

    /// One sentence a bot can read out.
    pub fn message(&self) -> String {
        let device = match self.scope {
            OutageScope::Router => "el router",
            OutageScope::Sector => "el sector",
        };
        let name = self.device_name.as_deref().map(|n| format!(" {n}")).unwrap_or_default();
        let reason = self.description.as_deref().map(|d| format!(": {d}")).unwrap_or_default();
        format!("Hay una falla general conocida en {device}{name} del cliente{reason}.")
    }
}

impl OutageReport {
    /// The report of `service_id`, all nulls but the id when there is no outage.
    pub fn new(service_id: i64, outage: Option<Outage>) -> Self {
        match outage {
            Some(o) => OutageReport {
                service_id,
                scope: Some(o.scope),
                device_name: o.device_name,
                description: o.description,
            },
            None => OutageReport { service_id, scope: None, device_name: None, description: None },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn client(value: serde_json::Value) -> ClientRecord {
        serde_json::from_value(value).expect("a client record")
    }

    #[test]
    fn the_router_wins_over_the_sector_and_unflagged_devices_are_no_outage() {
        let both = client(json!({"id_servicio": 1,
            "router": {"nombre": "RB-Sur", "falla_general": true, "falla_general_descripcion": "Fibra cortada"},
            "sectorial": {"nombre": "AP-1", "falla_general": true, "falla_general_descripcion": "x"}}));
        let outage = Outage::of(&both).expect("an outage");
        assert_eq!(outage.scope, OutageScope::Router);
        assert_eq!(outage.message(), "Hay una falla general conocida en el router RB-Sur del cliente: Fibra cortada.");
        let sector = client(json!({"id_servicio": 1, "router": {"nombre": "RB", "falla_general": false},
            "sectorial": {"nombre": "AP-1", "falla_general": true, "falla_general_descripcion": null}}));
        assert_eq!(Outage::of(&sector).map(|o| (o.scope, o.description)), Some((OutageScope::Sector, None)));
        let none = client(json!({"id_servicio": 1, "router": {"nombre": "RB", "falla_general": false}}));
        assert_eq!(Outage::of(&none), None);
    }

    #[test]
    fn a_report_without_outage_is_all_nulls_but_the_service() {
        let report = serde_json::to_value(OutageReport::new(7, None)).unwrap();
        assert_eq!(report, json!({"service_id": 7, "scope": null, "device_name": null, "description": null}));
    }
}
