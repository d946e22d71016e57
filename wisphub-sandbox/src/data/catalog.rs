//! Fixed tenant catalogues: zones, staff, ticket subjects and internet plans (routers and sectoriales
//! are in `devices`, since their fault flags switch).

use serde::Serialize;
use serde_json::{Value, json};

/// `{id, nombre}`, the nested shape WispHub uses for plans, zones and technicians.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Named {
    pub id: i64,
    pub nombre: String,
}

pub(crate) const ZONES: [&str; 9] = [
    "Zona Norte",
    "Zona Sur",
    "Zona Rural",
    "Zona Centro",
    "Zona Oriente",
    "Zona Occidente",
    "Zona Industrial",
    "Zona Alta",
    "Zona Vereda Las Palmas",
];

pub(crate) fn zone(id: i64) -> Named {
    let nombre = ZONES.get((id - 1) as usize).copied().unwrap_or("Zona Desconocida");
    Named { id, nombre: nombre.to_string() }
}

/// The technician a local run gives tickets created without one.
pub const DEMO_TECHNICIAN_ID: i64 = 7;

/// Staff members: `(id, username, nombre, email)`.
pub(crate) const STAFF: [(i64, &str, &str, &str); 2] = [
    (DEMO_TECHNICIAN_ID, "tecnico1", "Técnico Uno", "tecnico1@sandbox-isp.example"),
    (8, "tecnico2", "Técnico Dos", "tecnico2@sandbox-isp.example"),
];

pub(crate) fn staff(id: i64) -> Option<(i64, &'static str, &'static str, &'static str)> {
    STAFF.iter().copied().find(|s| s.0 == id)
}

pub(crate) fn technician(id: i64) -> Named {
    let nombre = staff(id).map(|s| s.2).unwrap_or("Sin técnico");
    Named { id, nombre: nombre.to_string() }
}

/// docs/wisphub.md §3's default priority map, as `(subject, priority code)`.
pub(crate) const DEFAULT_PRIORITY_MAP: [(&str, u8); 31] = [
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

/// This tenant's own catalogue: the default map minus one subject, plus one the map does not know.
pub(crate) fn tenant_subjects() -> Vec<&'static str> {
    DEFAULT_PRIORITY_MAP
        .iter()
        .map(|(s, _)| *s)
        .filter(|s| *s != "Jumper Dañado")
        .chain(std::iter::once("Revisión General"))
        .collect()
}

pub(crate) fn default_priority(subject: &str) -> u8 {
    DEFAULT_PRIORITY_MAP.iter().find(|(s, _)| *s == subject).map(|(_, p)| *p).unwrap_or(2)
}

pub(crate) const TICKET_STATES: [&str; 4] = ["Nuevo", "En Progreso", "Resuelto", "Cerrado"];
pub(crate) const PRIORITIES: [&str; 4] = ["Baja", "Normal", "Alta", "Muy Alta"];

/// Label of a 1-based code in one of the tables above.
pub(crate) fn label(table: &[&'static str], code: u8) -> &'static str {
    table.get(code.wrapping_sub(1) as usize).copied().unwrap_or("Desconocido")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PlanType {
    Pppoe,
    SimpleQueue,
    Pcq,
}

impl PlanType {
    pub(crate) fn label(self) -> &'static str {
        match self {
            PlanType::Pppoe => "PPPoE",
            PlanType::SimpleQueue => "Simple Queue",
            PlanType::Pcq => "PCQ",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub id: i64,
    pub nombre: String,
    pub tipo: PlanType,
    pub precio: Option<String>,
    pub bajada: String,
    pub subida: String,
}

impl Plan {
    pub(crate) fn list_record(&self) -> Value {
        json!({ "id": self.id, "nombre": self.nombre, "tipo": self.tipo.label() })
    }

    pub(crate) fn detail(&self) -> Value {
        json!({
            "id": self.id,
            "nombre": self.nombre,
            "precio": self.precio,
            "bajada": self.bajada,
            "subida": self.subida,
            "tipo": self.tipo.label(),
            "descripcion": format!("Plan {} {}", self.tipo.label(), self.nombre),
        })
    }
}

/// Plans 1..5 are the demo ones; 6..30 are generated; plan 6 is PPPoE without a price.
pub(crate) fn plans() -> Vec<Plan> {
    let fixed = [
        (1, "10MB PLUS", PlanType::Pppoe, Some("65000.00"), "10M", "5M"),
        (2, "20MB FIBRA", PlanType::SimpleQueue, Some("90000.00"), "20M", "10M"),
        (3, "5MB BASICO", PlanType::Pcq, Some("45000.00"), "5M", "2M"),
        (4, "Plan Corporativo 50MB", PlanType::SimpleQueue, Some("250000.00"), "50M", "50M"),
        (5, "Plan Hogar 15MB", PlanType::Pppoe, Some("70000.00"), "15M", "5M"),
    ];
    let mut plans: Vec<Plan> = fixed
        .iter()
        .map(|&(id, nombre, tipo, precio, bajada, subida)| Plan {
            id,
            nombre: nombre.into(),
            tipo,
            precio: precio.map(String::from),
            bajada: bajada.into(),
            subida: subida.into(),
        })
        .collect();
    let kinds = [PlanType::Pppoe, PlanType::SimpleQueue, PlanType::Pcq];
    for id in 6..=30i64 {
        let mbps = 5 + (id - 5) * 5;
        let tipo = kinds[(id % 3) as usize];
        plans.push(Plan {
            id,
            nombre: format!("Plan {mbps}MB {}", ["Rural", "Urbano", "Empresarial"][(id % 3) as usize]),
            tipo,
            precio: (id != 6).then(|| format!("{}.00", 40_000 + mbps * 2_000)),
            bajada: format!("{mbps}M"),
            subida: format!("{}M", (mbps / 2).max(1)),
        });
    }
    plans
}

/// A record a sloppy tenant really has in its plan list; clients must skip it, not crash.
pub(crate) fn malformed_plan() -> Value {
    json!({ "id": "x9", "nombre": null, "tipo": 7 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_catalogue_drops_jumper_and_adds_revision_general() {
        let subjects = tenant_subjects();
        assert_eq!(subjects.len(), 31);
        assert!(!subjects.contains(&"Jumper Dañado"));
        assert!(subjects.contains(&"Revisión General"));
    }

    #[test]
    fn plan_6_is_the_pppoe_plan_without_price() {
        let plans = plans();
        assert_eq!(plans.len(), 30);
        let six = &plans[5];
        assert_eq!((six.tipo, six.precio.as_deref()), (PlanType::Pppoe, None));
    }
}
