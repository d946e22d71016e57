//! The tenant's invoices, dated relative to the day the sandbox starts (Bogotá), so tests never rot.
//! "Month k" is k calendar months before today's month; an invoice of month 0 is never issued
//! after today (its day is capped at today's).

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime};
use serde_json::json;

use super::{
    CANCELLED, CASH, FIRST_INVOICE_ID, IN_REVIEW, Invoice, Item, NEQUI, PAID, PENDING, Spelling, TRANSFER, TRANSFERRED,
};
use crate::data::catalog;
use crate::data::client::{Client, Estado};
use crate::data::generator::FIRST_GENERATED_ID;

/// No pending invoice; monthly invoices for 13 months, all paid, the newest (this month's) a few
/// days ago by Transferencia Bancaria.
pub const SERVICE_ALL_PAID: i64 = 1001;
/// Two pending invoices (this month's and last month's, 90000 each); this month's reads `saldo` 0
/// and `total_cobrado` = `total`. The client record says `saldo` 45000.00: both are wrong.
pub const SERVICE_WITH_SALDO_TRAP: i64 = 1002;
/// Pending invoices issued 35, 155 and 275 days ago (65000, 65000 with the saldo trap, 80000 with
/// a reconnection fee): each sits in its own 3-month window of a 12-month lookback. The others of
/// a 30-day series (65..335 days ago) are paid; nothing this month (the service is suspended).
pub const SERVICE_WITH_OLD_PENDING_INVOICES: i64 = 1004;
/// A free service: no invoice at all.
pub const SERVICE_WITHOUT_INVOICES: i64 = 1006;

/// Generated services with invoices, from 2001 (the ones the ticket history also uses), whatever
/// the client count: like tickets, invoices of services beyond a small count stay on file.
pub(crate) const INVOICED_GENERATED: i64 = 53;
/// Days from issue to due date.
const DUE_AFTER_DAYS: i64 = 10;

const MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// An invoice before its id is known.
struct Draft {
    invoice: Invoice,
    today: NaiveDate,
}

impl Draft {
    /// The monthly fee of `client` issued on `emitida`, pending.
    fn monthly(client: &Client, emitida: NaiveDate, spelling: Spelling, today: NaiveDate) -> Draft {
        let mes = format!("{} {}", MONTHS[emitida.month0() as usize], emitida.year());
        let item = Item {
            descripcion: format!("Mensualidad {} - {mes}", client.plan.nombre),
            cantidad: 1,
            precio: price(client),
        };
        let invoice = Invoice {
            id: 0,
            service: client.id,
            usuario: client.usuario.clone(),
            cliente: json!({
                "usuario": client.usuario,
                "nombre": client.full_name(),
                "email": client.email,
                "cedula": client.cedula,
                "direccion": client.direccion,
                "localidad": client.localidad,
                "telefono": client.telefono,
                "rfc": "",
            }),
            zona: client.zona,
            emitida,
            vence: emitida + Duration::days(DUE_AFTER_DAYS),
            pago: midnight(emitida),
            estado: PENDING,
            items: vec![item],
            descuento: 0,
            forma_pago: None,
            saldo_trap: false,
            spelling,
        };
        Draft { invoice, today }
    }

    /// Paid `days` after issue (never after today) at `hour`, by `method`.
    fn paid(mut self, days: i64, hour: u32, method: i64) -> Draft {
        let day = (self.invoice.emitida + Duration::days(days)).min(self.today);
        self.invoice.pago = day.and_hms_opt(hour, 15, 0).unwrap_or_else(|| midnight(day));
        self.invoice.estado = PAID;
        self.invoice.forma_pago = Some(method);
        self
    }

    fn state(mut self, estado: u8) -> Draft {
        self.invoice.estado = estado;
        self
    }

    fn trap(mut self) -> Draft {
        self.invoice.saldo_trap = true;
        self
    }

    fn extra(mut self, descripcion: &str, precio: i64) -> Draft {
        self.invoice.items.push(Item { descripcion: descripcion.into(), cantidad: 1, precio });
        self
    }

    fn discount(mut self, pesos: i64) -> Draft {
        self.invoice.descuento = pesos;
        self
    }
}

fn midnight(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).unwrap_or_default()
}

/// The plan price in whole pesos: the record's, else the plan catalogue's (1004 lists none).
fn price(client: &Client) -> i64 {
    let catalogue = || catalog::plans().into_iter().find(|p| p.id == client.plan.id).and_then(|p| p.precio);
    let text = client.precio_plan.clone().or_else(catalogue).unwrap_or_else(|| "65000.00".into());
    text.parse::<f64>().map(|p| p.round() as i64).unwrap_or(65_000)
}

/// Day `day` (capped at the month's last) of the month `k` months before today's; in today's month
/// never after today.
pub(crate) fn month_day(today: NaiveDate, k: u32, day: u32) -> NaiveDate {
    let first = today.with_day(1).and_then(|d| d.checked_sub_months(Months::new(k))).unwrap_or(today);
    let last = first.checked_add_months(Months::new(1)).map_or(28, |next| (next - Duration::days(1)).day());
    let day = if k == 0 { day.min(today.day()) } else { day.min(last) };
    first.with_day(day.max(1)).unwrap_or(first)
}

fn spelled(even: bool) -> Spelling {
    if even { Spelling::Text } else { Spelling::Number }
}

/// The hand-made layouts of docs/wisphub.md's demo services (see the `SERVICE_*` constants).
fn demo(c: &Client, t: NaiveDate) -> Vec<Draft> {
    let month = |k: u32, day: u32, s: Spelling| Draft::monthly(c, month_day(t, k, day), s, t);
    match c.id {
        SERVICE_ALL_PAID => (0..=12)
            .map(|k| {
                let d = month(k, 1, spelled(k % 2 == 0));
                if k == 0 { d.paid(2, 9, TRANSFER) } else { d.paid(3, 10, CASH) }
            })
            .collect(),
        SERVICE_WITH_SALDO_TRAP => (0..=6)
            .map(|k| match k {
                0 => month(k, 15, Spelling::Number).trap(),
                1 => month(k, 15, Spelling::Text),
                _ => month(k, 15, spelled(k % 2 == 0)).paid(5, 16, CASH),
            })
            .collect(),
        1003 => (0..=11)
            .map(|k| match k {
                0 => month(k, 1, Spelling::Text),
                3 => month(k, 1, Spelling::Number).state(TRANSFERRED),
                _ => month(k, 1, spelled(k % 2 == 1)).paid(1, 12, NEQUI),
            })
            .collect(),
        SERVICE_WITH_OLD_PENDING_INVOICES => (0..11)
            .map(|i| {
                let ago = 35 + 30 * i;
                let d = |s: Spelling| Draft::monthly(c, t - Duration::days(ago), s, t);
                match ago {
                    35 => d(Spelling::Number),
                    155 => d(Spelling::Text).trap(),
                    275 => d(Spelling::Number).extra("Reconexión del servicio", 15_000),
                    _ => d(spelled(i % 2 == 0)).paid(5, 11, CASH),
                }
            })
            .collect(),
        1005 => (2..=8)
            .map(|k| {
                if k == 2 {
                    month(k, 5, Spelling::Text).state(CANCELLED)
                } else {
                    month(k, 5, spelled(k % 2 == 0)).paid(4, 15, TRANSFER)
                }
            })
            .collect(),
        1007 => {
            (0..=6)
                .map(|k| {
                    if k == 0 {
                        month(k, 8, Spelling::Number)
                    } else {
                        month(k, 8, spelled(k % 2 == 0)).paid(2, 8, CASH)
                    }
                })
                .collect()
        }
        1008 => (0..=6)
            .map(|k| match k {
                0 => month(k, 10, Spelling::Text),
                2 => month(k, 10, Spelling::Number).discount(5_000).paid(3, 17, NEQUI),
                _ => month(k, 10, spelled(k % 2 == 1)).paid(3, 17, NEQUI),
            })
            .collect(),
        1009 => (0..=6)
            .map(|k| match k {
                0 => month(k, 20, Spelling::Number),
                1 => month(k, 20, Spelling::Text).state(IN_REVIEW),
                _ => month(k, 20, spelled(k % 2 == 0)).paid(1, 14, TRANSFER),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Six months of a generated service: this month's pending when active (and last month's too when
/// its record says "Pendiente de Pago"), the two before this month pending when suspended, nothing
/// after month 3 when cancelled; the rest paid.
fn generated(c: &Client, t: NaiveDate) -> Vec<Draft> {
    let day = (c.id % 28) as u32 + 1;
    let methods = [CASH, TRANSFER, NEQUI];
    (0..=5u32)
        .filter_map(|k| {
            let pending = match c.estado {
                Estado::Activo => k == 0 || (k == 1 && c.estado_facturas == "Pendiente de Pago"),
                Estado::Suspendido if k == 0 => return None,
                Estado::Suspendido => k <= 2,
                Estado::Cancelado if k < 3 => return None,
                Estado::Cancelado => false,
                Estado::Gratis => return None,
            };
            let n = c.id + i64::from(k);
            let d = Draft::monthly(c, month_day(t, k, day), spelled(n % 2 == 0), t);
            Some(if pending { d } else { d.paid(c.id % 6, 8 + (c.id % 9) as u32, methods[(n % 3) as usize]) })
        })
        .collect()
}

/// Every invoice of the tenant for `services` (demo records and generated ones), ids following the
/// issue date (then the service id) from [`FIRST_INVOICE_ID`].
pub(crate) fn seed(services: &[Client], today: NaiveDate) -> Vec<Invoice> {
    let last_generated = FIRST_GENERATED_ID + INVOICED_GENERATED;
    let mut drafts: Vec<Draft> = services
        .iter()
        .flat_map(|c| match c.id {
            id if id < FIRST_GENERATED_ID => demo(c, today),
            id if id < last_generated => generated(c, today),
            _ => Vec::new(),
        })
        .collect();
    drafts.sort_by_key(|d| (d.invoice.emitida, d.invoice.service));
    drafts.into_iter().enumerate().map(|(i, d)| Invoice { id: FIRST_INVOICE_ID + i as i64, ..d.invoice }).collect()
}
