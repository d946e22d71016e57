//! Tickets: the stored form, the read shape (labels, nested `servicio`), and the seeded history
//! shaped for zone-limit tests.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde_json::{Value, json};

use super::catalog::{self, PRIORITIES, TICKET_STATES};
use super::client::Client;
use super::demo::{SERVICE_WITH_TICKETS_OVER_PAGES, SERVICE_WITHOUT_TICKETS};
use super::devices::GeneralFaults;

#[derive(Clone, Debug)]
pub(crate) struct Respuesta {
    pub respuesta: String,
    pub fecha: NaiveDateTime,
    pub usuario: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Ticket {
    pub id: i64,
    pub asunto: String,
    pub descripcion: String,
    pub estado: u8,
    pub prioridad: u8,
    pub fecha_inicio: NaiveDateTime,
    pub fecha_final: NaiveDateTime,
    /// Bogotá wall-clock time.
    pub creado: NaiveDateTime,
    pub tecnico: Option<i64>,
    pub departamento: String,
    pub origen_reporte: String,
    /// Snapshot of the service when the ticket was made; None on old orphaned tickets.
    pub servicio: Option<Value>,
    pub respuestas: Vec<Respuesta>,
}

/// The write format WispHub wants for ticket dates, also used when reading them back.
pub(crate) const TICKET_DATE_FORMAT: &str = "%d/%m/%Y %H:%M";

fn wall(t: &NaiveDateTime) -> String {
    t.format(TICKET_DATE_FORMAT).to_string()
}

fn iso(t: &NaiveDateTime) -> String {
    // Django with USE_TZ renders aware datetimes in the tenant zone (Bogotá is UTC-5, no DST).
    format!("{}-05:00", t.format("%Y-%m-%dT%H:%M:%S"))
}

impl Ticket {
    pub(crate) fn read(&self) -> Value {
        let staff = self.tecnico.and_then(catalog::staff);
        json!({
            "id_ticket": self.id,
            "asunto": self.asunto,
            "descripcion": self.descripcion,
            "estado": catalog::label(&TICKET_STATES, self.estado),
            "prioridad": catalog::label(&PRIORITIES, self.prioridad),
            "fecha_inicio": wall(&self.fecha_inicio),
            "fecha_estimada_inicio": wall(&self.fecha_inicio),
            "fecha_estimada_fin": wall(&self.fecha_final),
            "fecha_fin": wall(&self.fecha_final),
            "fecha_creacion": iso(&self.creado),
            "tecnico": staff.map(|s| s.2),
            "email_tecnico": staff.map(|s| s.3),
            "departamento": self.departamento,
            "origen_reporte": self.origen_reporte,
            "servicio": self.servicio,
        })
    }

    /// The detail route adds the replies, oldest first.
    pub(crate) fn detail(&self) -> Value {
        let mut value = self.read();
        let respuestas: Vec<Value> = self
            .respuestas
            .iter()
            .map(|r| json!({ "respuesta": r.respuesta, "fecha": iso(&r.fecha), "usuario": r.usuario }))
            .collect();
        value["respuestas"] = Value::Array(respuestas);
        value
    }

    pub(crate) fn is_open(&self) -> bool {
        self.estado <= 2
    }

    pub(crate) fn zone_id(&self) -> Option<i64> {
        self.servicio.as_ref()?.get("zona")?.get("id")?.as_i64()
    }
}

/// Position (index from 0, ticket id = 5001 + index) → service of the deliberately placed open tickets.
const ZONE_1_OPEN: [(usize, i64, u8); 3] = [(17, 1001, 1), (131, 1003, 2), (247, 1007, 1)];
const ZONE_2_OPEN: [(usize, i64, u8); 2] = [(60, 1002, 2), (190, 1006, 1)];
/// The tickets of `SERVICE_WITH_TICKETS_OVER_PAGES` (zone 5, whose count no test checks): open ones
/// on pages 1, 5, 8, 11 and 13 (the last) of 20 and on every page of 100, the highest id being the
/// very last ticket, so it also closes the `estado=1` list; closed ones (Resuelto, Cerrado) in
/// between. The first, on page 1, is the migrated ticket: the newest by `fecha_creacion`.
const OVER_PAGES: [(usize, i64, u8); 9] = [
    (7, SERVICE_WITH_TICKETS_OVER_PAGES, 1),
    (40, SERVICE_WITH_TICKETS_OVER_PAGES, 3),
    (98, SERVICE_WITH_TICKETS_OVER_PAGES, 2),
    (147, SERVICE_WITH_TICKETS_OVER_PAGES, 1),
    (180, SERVICE_WITH_TICKETS_OVER_PAGES, 4),
    (203, SERVICE_WITH_TICKETS_OVER_PAGES, 1),
    (252, SERVICE_WITH_TICKETS_OVER_PAGES, 2),
    (256, SERVICE_WITH_TICKETS_OVER_PAGES, 3),
    (259, SERVICE_WITH_TICKETS_OVER_PAGES, 1),
];
/// Services that get no ticket from the round-robin fill: theirs are exactly the placed ones.
const UNFILLED: [i64; 2] = [SERVICE_WITH_TICKETS_OVER_PAGES, SERVICE_WITHOUT_TICKETS];
/// Orphaned tickets (`servicio: null`), with whether they are still open.
const ORPHANS: [(usize, bool); 6] = [(30, true), (75, false), (110, false), (150, true), (200, false), (230, true)];

pub(crate) const FIRST_TICKET_ID: i64 = 5001;
/// Where the migrated ticket sits among the seeded ones.
const MIGRATED: usize = 7;
/// An open ticket of `SERVICE_WITH_TICKETS_OVER_PAGES` brought over from the ISP's previous system:
/// it kept its low id yet has the newest `fecha_creacion` of the seeded history, since ids do not
/// follow dates (docs/api.md §12).
pub const MIGRATED_TICKET_ID: i64 = FIRST_TICKET_ID + MIGRATED as i64;
const SEEDED_TICKETS: usize = 260;

const DESCRIPTIONS: [&str; 5] = [
    "El cliente reporta que no navega desde la mañana.",
    "La conexión se cae varias veces al día.",
    "Solicita revisión del equipo en casa.",
    "Velocidad muy por debajo del plan contratado.",
    "Se reporta por WhatsApp, pide visita en la tarde.",
];

/// ~260 tickets: most closed; open ones are exactly 3 in zone 1, 2 in zone 2, none in zones 3 and 4
/// (the flagged sector's and router's, so a ticket the outage does not block still finds room) and
/// ~140 across zones 5..9. `services` must hold the demo records and the first ≥ 53 generated ones;
/// `faults` are the general faults the tickets' `servicio` snapshots show.
pub(crate) fn seed(services: &[Client], faults: &GeneralFaults) -> Vec<Ticket> {
    let by_id: HashMap<i64, &Client> = services.iter().map(|c| (c.id, c)).collect();
    let filled: Vec<&Client> = services.iter().filter(|c| !UNFILLED.contains(&c.id)).collect();
    let far_zones: Vec<&Client> = filled.iter().copied().filter(|c| c.zona >= 5).collect();
    // Closed tickets can sit anywhere: they never count against a zone.
    let anywhere = filled;
    let subjects = catalog::tenant_subjects();
    let anchor = NaiveDate::from_ymd_opt(2026, 4, 30).and_then(|d| d.and_hms_opt(9, 0, 0)).unwrap_or_default();
    let (mut open_n, mut closed_n) = (0usize, 0usize);

    (0..SEEDED_TICKETS)
        .map(|i| {
            let placed = ZONE_1_OPEN.iter().chain(&ZONE_2_OPEN).chain(&OVER_PAGES).find(|p| p.0 == i);
            let orphan = ORPHANS.iter().find(|o| o.0 == i);
            let (service, estado): (Option<&Client>, u8) = match (i, placed, orphan) {
                (_, Some(&(_, id, estado)), _) => (by_id.get(&id).copied(), estado),
                (_, _, Some(&(_, open))) => (None, if open { 1 } else { 3 }),
                (0, ..) => (by_id.get(&1001).copied(), 3),
                (1, ..) => (by_id.get(&1002).copied(), 4),
                (2, ..) => (by_id.get(&1004).copied(), 3),
                _ if i % 7 < 4 && !far_zones.is_empty() => {
                    open_n += 1;
                    (Some(far_zones[open_n % far_zones.len()]), if open_n % 5 == 4 { 2 } else { 1 })
                }
                _ => {
                    closed_n += 1;
                    (anywhere.get(closed_n % anywhere.len().max(1)).copied(), if closed_n % 3 == 0 { 4 } else { 3 })
                }
            };
            let asunto = if i == 0 { "Internet Lento" } else { subjects[i % subjects.len()] };
            let creado = if i == MIGRATED {
                anchor + Duration::hours(6)
            } else {
                anchor - Duration::hours(17 * (SEEDED_TICKETS - 1 - i) as i64)
            };
            let descripcion = if i == 2 {
                "<p>El cliente reporta <b>intermitencia</b> desde ayer.<br>Revisar la antena.</p>".to_string()
            } else {
                DESCRIPTIONS[i % DESCRIPTIONS.len()].to_string()
            };
            Ticket {
                id: FIRST_TICKET_ID + i as i64,
                asunto: asunto.to_string(),
                descripcion,
                estado,
                prioridad: catalog::default_priority(asunto),
                fecha_inicio: creado,
                fecha_final: creado + Duration::days(3),
                creado,
                tecnico: if estado > 2 && i % 11 == 5 { None } else { Some(if i % 2 == 0 { 7 } else { 8 }) },
                departamento: "Soporte Técnico".into(),
                origen_reporte: ["oficina", "whatsapp", "llamada"][i % 3].into(),
                servicio: service.map(|c| c.ticket_service(faults)),
                respuestas: respuestas(i, estado, creado),
            }
        })
        .collect()
}

fn respuestas(i: usize, estado: u8, creado: NaiveDateTime) -> Vec<Respuesta> {
    let reply = |text: &str, hours: i64| Respuesta {
        respuesta: text.to_string(),
        fecha: creado + Duration::hours(hours),
        usuario: "tecnico1".to_string(),
    };
    match i {
        0 => vec![
            reply("Se agenda visita técnica para revisar la antena.", 2),
            reply("Se cambió el conector RJ45; el cliente confirma servicio estable.", 26),
        ],
        1 => Vec::new(),
        // The three newest open tickets of SERVICE_WITH_TICKETS_OVER_PAGES answered, the fourth not.
        MIGRATED => vec![reply("Ticket migrado del sistema anterior; el técnico revisa la antena esta semana.", 1)],
        259 => vec![
            reply("Se detecta caída del enlace del cliente; se programa visita.", 1),
            reply("Visita confirmada para mañana entre 8 y 12.", 3),
        ],
        252 => vec![reply("Se revisa la señal de la antena de forma remota.", 2)],
        _ if estado > 2 && i.is_multiple_of(4) => vec![reply("Se reinició el equipo y el servicio quedó estable.", 5)],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{demo, generator};

    fn seeded() -> Vec<Ticket> {
        let mut services = demo::demo_clients();
        services.extend(generator::generate(7, 53));
        seed(&services, &GeneralFaults::demo())
    }

    fn of_service(tickets: &[Ticket], id: i64) -> Vec<&Ticket> {
        tickets.iter().filter(|t| t.servicio.as_ref().and_then(|s| s["id_servicio"].as_i64()) == Some(id)).collect()
    }

    fn open_in_zone(tickets: &[Ticket], zone: i64) -> usize {
        tickets.iter().filter(|t| t.is_open() && t.zone_id() == Some(zone)).count()
    }

    #[test]
    fn zone_1_has_3_open_zone_2_has_2_and_zones_3_and_4_none() {
        let tickets = seeded();
        assert_eq!(tickets.len(), 260);
        let open: Vec<usize> = (1..=4).map(|zone| open_in_zone(&tickets, zone)).collect();
        assert_eq!(open, [3, 2, 0, 0]);
    }

    #[test]
    fn far_zones_hold_about_140_open_and_new_tickets_span_three_pages_of_50() {
        let tickets = seeded();
        let far: usize = (5..=9).map(|z| open_in_zone(&tickets, z)).sum();
        assert!((130..=150).contains(&far), "{far} open in zones 5..9");
        let nuevos = tickets.iter().filter(|t| t.estado == 1).count();
        assert!(nuevos > 100, "{nuevos} tickets Nuevo");
    }

    #[test]
    fn six_orphans_three_open_and_ticket_5001_has_two_replies() {
        let tickets = seeded();
        let orphans: Vec<_> = tickets.iter().filter(|t| t.servicio.is_none()).collect();
        assert_eq!((orphans.len(), orphans.iter().filter(|t| t.is_open()).count()), (6, 3));
        assert_eq!(tickets[0].respuestas.len(), 2);
        assert!(tickets[0].respuestas[1].fecha > tickets[0].respuestas[0].fecha);
        assert!(tickets[1].respuestas.is_empty());
    }

    #[test]
    fn the_migrated_ticket_has_a_low_id_but_the_newest_creation_date() {
        let tickets = seeded();
        let open: Vec<&Ticket> =
            of_service(&tickets, SERVICE_WITH_TICKETS_OVER_PAGES).into_iter().filter(|t| t.is_open()).collect();
        let newest = tickets.iter().max_by_key(|t| t.creado).map(|t| t.id);
        assert_eq!(newest, Some(MIGRATED_TICKET_ID), "the newest of the whole history");
        assert_eq!(open.iter().map(|t| t.id).min(), Some(MIGRATED_TICKET_ID), "the lowest open id of its service");
        assert!(open.iter().filter(|t| t.id == MIGRATED_TICKET_ID).all(|t| !t.respuestas.is_empty()));
    }

    #[test]
    fn the_paged_service_has_six_open_and_three_closed_and_the_other_none() {
        let tickets = seeded();
        let paged = of_service(&tickets, SERVICE_WITH_TICKETS_OVER_PAGES);
        assert_eq!((paged.iter().filter(|t| t.is_open()).count(), paged.len()), (6, 9));
        assert_eq!(tickets.last().map(|t| (t.estado, t.zone_id())), Some((1, Some(5))));
        assert!(of_service(&tickets, SERVICE_WITHOUT_TICKETS).is_empty());
    }
}
