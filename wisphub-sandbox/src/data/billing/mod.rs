//! WispHub's billing (docs/wisphub.md §2b): invoices as `/api/facturas/` renders them (state labels,
//! amounts as numbers or decimal strings, the `saldo` trap), payment methods and the records of
//! payment promises and payment reports.

pub(crate) mod filter;
pub(crate) mod promise;
pub(crate) mod report;
pub(crate) mod seed;

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Value, json};

use super::catalog;

/// Invoice states by code (1-based), as `estado` is written (`?estado=1`) and read (the label).
pub(crate) const INVOICE_STATES: [&str; 5] = ["Pendiente de Pago", "Pagada", "Cancelada", "En Revisión", "Transferida"];
pub(crate) const PENDING: u8 = 1;
pub(crate) const PAID: u8 = 2;
pub(crate) const CANCELLED: u8 = 3;
pub(crate) const IN_REVIEW: u8 = 4;
pub(crate) const TRANSFERRED: u8 = 5;

/// The tenant's payment methods, `(id, nombre)`, in the order `/api/formas-de-pago/` lists them.
pub(crate) const PAYMENT_METHODS: [(i64, &str); 5] = [
    (7, "Efectivo"),
    (16749, "Transferencia Bancaria"),
    (16750, "Nequi"),
    (16751, "Daviplata"),
    (16752, "Consignación Bancolombia"),
];
pub(crate) const CASH: i64 = 7;
pub(crate) const TRANSFER: i64 = 16749;
pub(crate) const NEQUI: i64 = 16750;

/// What every invoice of this tenant is, whatever it bills.
const TIPO: &str = "Servicio de Internet";
/// First `id_factura`; ids follow the issue date across the tenant.
pub(crate) const FIRST_INVOICE_ID: i64 = 40001;
/// `folio` is the tenant's own running number, not the id.
const FIRST_FOLIO: i64 = 1201;

/// How one invoice spells its amounts: `65000` or `"65000.00"` (WispHub serves both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Spelling {
    Number,
    Text,
}

impl Spelling {
    fn amount(self, pesos: i64) -> Value {
        match self {
            Spelling::Number => json!(pesos),
            Spelling::Text => json!(format!("{pesos}.00")),
        }
    }
}

/// One invoice line, in whole pesos.
#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub descripcion: String,
    pub cantidad: i64,
    pub precio: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct Invoice {
    pub id: i64,
    pub service: i64,
    /// The client's `usuario`, what `?cliente=` matches.
    pub usuario: String,
    /// The embedded `cliente` as the client stood when the sandbox started.
    pub cliente: Value,
    pub zona: i64,
    pub emitida: NaiveDate,
    pub vence: NaiveDate,
    /// Bogotá wall clock. Never empty: an invoice not paid carries its issue date at midnight.
    pub pago: NaiveDateTime,
    pub estado: u8,
    pub items: Vec<Item>,
    pub descuento: i64,
    pub forma_pago: Option<i64>,
    /// Unpaid, yet `saldo` reads 0 and `total_cobrado` equals `total` (docs/wisphub.md §2b trap).
    pub saldo_trap: bool,
    pub spelling: Spelling,
}

impl Invoice {
    pub(crate) fn sub_total(&self) -> i64 {
        self.items.iter().map(|i| i.cantidad * i.precio).sum()
    }

    pub(crate) fn total(&self) -> i64 {
        self.sub_total() - self.descuento
    }

    /// `(saldo, total_cobrado)` as WispHub shows them, trap included.
    fn balance(&self) -> (i64, i64) {
        let total = self.total();
        match self.estado {
            PAID => (0, total),
            PENDING if self.saldo_trap => (0, total),
            PENDING | IN_REVIEW => (total, 0),
            _ => (0, 0),
        }
    }

    /// The record of `/api/facturas/`, field order as on the wire.
    pub(crate) fn record(&self) -> Value {
        let amount = |pesos: i64| self.spelling.amount(pesos);
        let (saldo, cobrado) = self.balance();
        let paid = self.estado == PAID;
        let cajero =
            if paid { json!({ "id": 21, "username": "caja1", "nombre": "Caja Oficina Principal" }) } else { json!({}) };
        let forma_pago =
            self.forma_pago.and_then(payment_method).map(|(id, nombre)| json!({ "id": id, "nombre": nombre }));
        let articulos: Vec<Value> = self
            .items
            .iter()
            .map(|i| json!({ "descripcion": i.descripcion, "cantidad": i.cantidad, "precio": amount(i.precio) }))
            .collect();
        json!({
            "id_factura": self.id,
            "folio": FIRST_FOLIO + (self.id - FIRST_INVOICE_ID),
            "fecha_emision": self.emitida.format("%Y-%m-%d").to_string(),
            "fecha_vencimiento": self.vence.format("%Y-%m-%d").to_string(),
            "fecha_pago": format!("{}-05:00", self.pago.format("%Y-%m-%dT%H:%M:%S")),
            "estado": catalog::label(&INVOICE_STATES, self.estado),
            "tipo": TIPO,
            "zona": catalog::zone(self.zona),
            "sub_total": amount(self.sub_total()),
            "descuento": amount(self.descuento),
            "saldo": amount(saldo),
            "saldo_nuevo": amount(saldo),
            "impuestos_total": amount(0),
            "total_cobrado": amount(cobrado),
            "total": amount(self.total()),
            "forma_pago": forma_pago,
            "cajero": cajero,
            "cliente": self.cliente,
            "articulos": articulos,
        })
    }
}

pub(crate) fn payment_method(id: i64) -> Option<(i64, &'static str)> {
    PAYMENT_METHODS.iter().copied().find(|m| m.0 == id)
}

/// The invoice ids' service, for the promise record (a promise for an unknown invoice still counts).
pub(crate) fn service_of(invoices: &[Invoice], id: i64) -> Option<i64> {
    invoices.binary_search_by_key(&id, |i| i.id).ok().map(|i| invoices[i].service)
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, Duration, NaiveDate};

    use super::seed::{self, SERVICE_ALL_PAID, SERVICE_WITH_OLD_PENDING_INVOICES, SERVICE_WITH_SALDO_TRAP};
    use super::*;
    use crate::data::{demo, generator};

    /// The layout the tests rely on holds whatever day the sandbox starts (month ends, leap days).
    #[test]
    fn the_layout_holds_on_every_start_day() {
        let mut services = demo::demo_clients();
        services.extend(generator::generate(7, 60));
        let mut today = NaiveDate::from_ymd_opt(2027, 12, 1).expect("date");
        while today <= NaiveDate::from_ymd_opt(2028, 3, 31).expect("date") {
            let invoices = seed::seed(&services, today);
            assert!(
                invoices.iter().all(|i| i.emitida <= today && i.pago.date() <= today && i.pago.date() >= i.emitida)
            );
            assert!(invoices.windows(2).all(|w| w[0].id + 1 == w[1].id && w[0].emitida <= w[1].emitida));
            let this_month =
                invoices.iter().filter(|i| (i.emitida.year(), i.emitida.month()) == (today.year(), today.month()));
            assert!(this_month.count() > 40, "{today}");
            let pending = |id: i64| -> Vec<&Invoice> {
                invoices.iter().filter(|i| i.service == id && i.estado == PENDING).collect()
            };
            assert!(pending(SERVICE_ALL_PAID).is_empty());
            let trapped = pending(SERVICE_WITH_SALDO_TRAP);
            assert_eq!(
                trapped.iter().map(|i| (i.total(), i.saldo_trap)).collect::<Vec<_>>(),
                [(90_000, false), (90_000, true)]
            );
            let old = pending(SERVICE_WITH_OLD_PENDING_INVOICES);
            assert_eq!(old.iter().map(|i| i.total()).sum::<i64>(), 210_000);
            assert!(old.windows(2).all(|w| (w[1].emitida - w[0].emitida).num_days() > 92));
            assert!(old[0].emitida > today - Duration::days(365) && old[2].emitida.month() != today.month());
            today = today.succ_opt().expect("date");
        }
    }
}
