//! Routers and sectoriales, the devices WispHub hangs its general-fault flag on (`falla_general`),
//! and the faults raised on them, switchable at run time so a test can start or end an outage.

use std::collections::HashMap;

use serde::Serialize;

use super::catalog::{ZONES, zone};

/// A router or a sectorial as WispHub nests it in client and ticket records.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Device {
    pub id: i64,
    pub nombre: String,
    pub falla_general: bool,
    /// The ISP's words when flagged. Without a fault WispHub leaves `""` or null: routers here show
    /// `""` and sectoriales null, so clients meet both.
    pub falla_general_descripcion: Option<String>,
}

/// A device whose general fault can be raised or cleared: `Router(id)`, one per zone with the
/// zone's id (1..=9), or `Sectorial(id)`: 1 in zone 1, 3 in zone 3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultyDevice {
    Router(i64),
    Sectorial(i64),
}

/// Sectoriales as `(id, zone, nombre)`; the other zones hang straight from their router.
const SECTORIALES: [(i64, i64, &str); 2] = [(1, 1, "Sectorial Norte 120°"), (3, 3, "Sectorial Rural 90°")];

/// The tenant's faults at start: the rural sector in maintenance (services 1004 and 1005) and the
/// Zona Centro router down (1008), so both outage scopes exist before any test switches anything.
const DEMO_FAULTS: [(FaultyDevice, &str); 2] = [
    (FaultyDevice::Sectorial(3), "Mantenimiento programado en la torre rural"),
    (FaultyDevice::Router(4), "Corte de fibra en el troncal de la Zona Centro"),
];

/// The devices flagged right now, with their descriptions.
#[derive(Debug)]
pub(crate) struct GeneralFaults(HashMap<FaultyDevice, String>);

impl GeneralFaults {
    pub(crate) fn demo() -> GeneralFaults {
        GeneralFaults(DEMO_FAULTS.iter().map(|(device, text)| (*device, text.to_string())).collect())
    }

    /// Raises (`Some`) or clears (`None`) a device's fault; false, storing nothing, for a device the
    /// tenant does not have.
    pub(crate) fn set(&mut self, device: FaultyDevice, description: Option<&str>) -> bool {
        let known = match device {
            FaultyDevice::Router(id) => (1..=ZONES.len() as i64).contains(&id),
            FaultyDevice::Sectorial(id) => SECTORIALES.iter().any(|s| s.0 == id),
        };
        if !known {
            return false;
        }
        match description {
            Some(text) => self.0.insert(device, text.to_string()),
            None => self.0.remove(&device),
        };
        true
    }

    /// The router of a zone (same id as the zone).
    pub(crate) fn router(&self, zone_id: i64) -> Device {
        let nombre = format!("RB-{}", zone(zone_id).nombre.trim_start_matches("Zona ").replace(' ', "-"));
        self.device(FaultyDevice::Router(zone_id), nombre, Some(String::new()))
    }

    /// The sectorial of a zone, for the zones that have one.
    pub(crate) fn sectorial(&self, zone_id: i64) -> Option<Device> {
        let &(id, _, nombre) = SECTORIALES.iter().find(|s| s.1 == zone_id)?;
        Some(self.device(FaultyDevice::Sectorial(id), nombre.to_string(), None))
    }

    /// Every router, for `/api/router/`.
    pub(crate) fn routers(&self) -> Vec<Device> {
        (1..=ZONES.len() as i64).map(|id| self.router(id)).collect()
    }

    /// Every sectorial, for `/api/sectorial/`.
    pub(crate) fn sectoriales(&self) -> Vec<Device> {
        SECTORIALES.iter().filter_map(|s| self.sectorial(s.1)).collect()
    }

    fn device(&self, device: FaultyDevice, nombre: String, quiet: Option<String>) -> Device {
        let id = match device {
            FaultyDevice::Router(id) | FaultyDevice::Sectorial(id) => id,
        };
        let fault = self.0.get(&device);
        Device { id, nombre, falla_general: fault.is_some(), falla_general_descripcion: fault.cloned().or(quiet) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_flags_router_4_and_sectorial_3_only() {
        let faults = GeneralFaults::demo();
        let flagged: Vec<i64> = faults.routers().iter().filter(|r| r.falla_general).map(|r| r.id).collect();
        assert_eq!(flagged, [4]);
        let sectoriales = faults.sectoriales();
        assert_eq!(sectoriales.iter().map(|s| (s.id, s.falla_general)).collect::<Vec<_>>(), [(1, false), (3, true)]);
        assert_eq!(
            (faults.router(1).falla_general_descripcion, sectoriales[0].falla_general_descripcion.clone()),
            (Some(String::new()), None)
        );
    }

    #[test]
    fn unknown_devices_are_refused_and_clearing_restores_the_quiet_shape() {
        let mut faults = GeneralFaults::demo();
        assert!(!faults.set(FaultyDevice::Sectorial(2), Some("x")));
        assert!(!faults.set(FaultyDevice::Router(10), Some("x")));
        assert!(faults.sectorial(2).is_none());
        assert!(faults.set(FaultyDevice::Router(4), None));
        assert_eq!(faults.router(4).falla_general_descripcion.as_deref(), Some(""));
        assert!(faults.set(FaultyDevice::Sectorial(3), None));
        assert_eq!(faults.sectorial(3).map(|s| (s.falla_general, s.falla_general_descripcion)), Some((false, None)));
    }
}
