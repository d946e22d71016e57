//! A router or sector as the directory holds it: enough to tell when its general fault turns on,
//! changes or ends (outage events), and who hangs from it (the customers behind an outage).

use serde::{Deserialize, Serialize};

use crate::wisphub::model::DeviceRecord;

/// One-letter keys, like the record's: a device repeats once per client before deflate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    #[serde(rename = "i")]
    pub id: i64,
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Box<str>>,
    /// WispHub's `falla_general`: the ISP flagged a general outage on it.
    #[serde(rename = "f", default, skip_serializing_if = "std::ops::Not::not")]
    pub fault: bool,
    /// The ISP's words, kept only while flagged: WispHub may leave an old text after clearing.
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Box<str>>,
}

impl Device {
    /// The device of a client record; `None` without an id (nothing to tell apart or look up).
    pub fn of(record: &DeviceRecord) -> Option<Device> {
        Some(Device {
            id: record.id?,
            name: record.nombre.as_deref().map(Box::from),
            fault: record.falla_general,
            description: record.falla_general_descripcion.as_deref().filter(|_| record.falla_general).map(Box::from),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::directory::Record;
    use crate::wisphub::model::ClientRecord;
    use serde_json::json;

    #[test]
    fn a_record_keeps_its_devices_with_the_fault_and_drops_a_stale_description() {
        let record: ClientRecord = serde_json::from_value(json!({"id_servicio": 7,
            "router": {"id": 4, "nombre": "RB-Centro", "falla_general": true, "falla_general_descripcion": "Fibra"},
            "sectorial": {"id": "3", "nombre": "AP", "falla_general": false, "falla_general_descripcion": "vieja"}}))
        .unwrap();

        let kept = Record::from(&record);

        let router = kept.router.clone().expect("a router");
        assert_eq!((router.id, router.fault, router.description.as_deref()), (4, true, Some("Fibra")));
        let sector = kept.sector.clone().expect("a sector");
        assert_eq!((sector.id, sector.fault, sector.description), (3, false, None));
        let stored = serde_json::to_value(&kept).unwrap();
        assert_eq!(stored["s"], json!({"i": 3, "n": "AP"}), "quiet devices stay small");
        assert_eq!(serde_json::from_value::<Record>(stored).unwrap(), kept);
    }

    #[test]
    fn a_device_without_an_id_and_an_older_record_without_devices_read_as_none() {
        let record: ClientRecord =
            serde_json::from_value(json!({"id_servicio": 7, "router": {"nombre": "RB", "falla_general": true}}))
                .unwrap();
        assert_eq!(Record::from(&record).router, None);
        let older: Record = serde_json::from_value(json!({"c": {"service_id": 7}, "a": true, "p": null})).unwrap();
        assert_eq!((older.router, older.sector), (None, None));
    }
}
