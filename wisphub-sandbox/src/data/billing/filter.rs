//! The filters of `GET /api/facturas/`: numeric `estado`, `cliente` (the `usuario` string),
//! `zona`, and three date ranges, with WispHub's default window and its 3-month limit.
//!
//! The window rule: without any of the three ranges, only invoices issued in the sandbox's current
//! month (Bogotá) come back. A range needs both ends (`__range_0` and `__range_1`, `YYYY-MM-DD`,
//! inclusive) and is refused with 400 `{"detail": ...}` when `__range_1` lies more than
//! [`MAX_RANGE_DAYS`] (92) days after `__range_0`, the longest 3 calendar months get, so any
//! 3-month window passes whichever end it is counted from (2026-02-28..2026-05-31 and
//! 2026-07-01..2026-10-01 pass; 2026-01-15..2026-04-18, 93 days, does not), or when only one end is
//! given (an open range is longer than 3 months). A reversed range is accepted and matches nothing;
//! an end that is not a date is 400 `{"<field>": ["Introduzca una fecha válida."]}`.

use chrono::{Datelike, Months, NaiveDate};

use serde_json::{Value, json};

use super::Invoice;
use crate::paging::ListQuery;

/// The longest date range accepted, in days from `__range_0` to `__range_1`.
pub(crate) const MAX_RANGE_DAYS: i64 = 92;

/// Why a filtered list is refused, and the DRF body it gets.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Refusal(pub Value);

#[derive(Clone, Copy, Debug)]
enum DateField {
    Emision,
    Vencimiento,
    Pago,
}

impl DateField {
    const ALL: [DateField; 3] = [DateField::Emision, DateField::Vencimiento, DateField::Pago];

    fn name(self) -> &'static str {
        match self {
            DateField::Emision => "fecha_emision",
            DateField::Vencimiento => "fecha_vencimiento",
            DateField::Pago => "fecha_pago",
        }
    }

    fn of(self, invoice: &Invoice) -> NaiveDate {
        match self {
            DateField::Emision => invoice.emitida,
            DateField::Vencimiento => invoice.vence,
            // The tenant-local date of the payment timestamp (the issue date when unpaid).
            DateField::Pago => invoice.pago.date(),
        }
    }
}

/// The invoice filters of one request; the default value matches every invoice.
#[derive(Clone, Debug, Default)]
pub(crate) struct InvoiceFilter {
    /// `Some(None)`: a value that is not a number, which matches nothing.
    estado: Option<Option<u8>>,
    cliente: Option<String>,
    zona: Option<Option<i64>>,
    ranges: Vec<(DateField, NaiveDate, NaiveDate)>,
}

impl InvoiceFilter {
    pub(crate) fn from_query(q: &ListQuery, today: NaiveDate) -> Result<InvoiceFilter, Refusal> {
        let mut ranges = Vec::new();
        for field in DateField::ALL {
            let name = field.name();
            let end = |i: u8| -> Result<Option<NaiveDate>, Refusal> {
                let Some(raw) = q.filter(&format!("{name}__range_{i}")) else { return Ok(None) };
                NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| Refusal(json!({ name: ["Introduzca una fecha válida."] })))
            };
            match (end(0)?, end(1)?) {
                (None, None) => {}
                (Some(from), Some(to)) if (to - from).num_days() <= MAX_RANGE_DAYS => {
                    ranges.push((field, from, to));
                }
                _ => return Err(too_long(name)),
            }
        }
        if ranges.is_empty() {
            ranges.push((DateField::Emision, first_of_month(today), last_of_month(today)));
        }
        Ok(InvoiceFilter {
            estado: q.filter("estado").map(|v| v.trim().parse().ok()),
            cliente: q.filter("cliente").map(str::to_string),
            zona: q.filter("zona").map(|v| v.trim().parse().ok()),
            ranges,
        })
    }

    pub(crate) fn matches(&self, invoice: &Invoice) -> bool {
        self.estado.is_none_or(|e| e == Some(invoice.estado))
            && self.cliente.as_ref().is_none_or(|u| *u == invoice.usuario)
            && self.zona.is_none_or(|z| z == Some(invoice.zona))
            && self.ranges.iter().all(|(field, from, to)| (*from..=*to).contains(&field.of(invoice)))
    }
}

fn too_long(field: &str) -> Refusal {
    Refusal(json!({
        "detail": format!(
            "El rango de fechas de {field} no puede ser mayor a 3 meses: indique {field}__range_0 y {field}__range_1."
        )
    }))
}

pub(crate) fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

pub(crate) fn last_of_month(day: NaiveDate) -> NaiveDate {
    first_of_month(day).checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn filter(query: &str) -> Result<InvoiceFilter, Refusal> {
        InvoiceFilter::from_query(&ListQuery::new("h", "/api/facturas/", query), date("2026-05-20"))
    }

    fn range(query: &str) -> Vec<(NaiveDate, NaiveDate)> {
        filter(query).expect("accepted").ranges.iter().map(|r| (r.1, r.2)).collect()
    }

    #[test]
    fn without_a_range_the_window_is_the_current_month() {
        assert_eq!(range(""), [(date("2026-05-01"), date("2026-05-31"))]);
        assert_eq!(range("fecha_emision__range=2025-01-01"), [(date("2026-05-01"), date("2026-05-31"))]);
        assert_eq!(last_of_month(date("2024-02-10")), date("2024-02-29"));
    }

    #[test]
    fn ninety_two_days_pass_and_one_more_does_not() {
        let ok = |from: &str, to: &str| filter(&format!("fecha_pago__range_0={from}&fecha_pago__range_1={to}")).is_ok();
        assert!(ok("2026-02-28", "2026-05-31") && ok("2026-07-01", "2026-10-01") && ok("2026-01-15", "2026-04-17"));
        assert!(!ok("2026-01-15", "2026-04-18") && !ok("2025-11-30", "2026-03-03"));
        // Three calendar months back from any day fit, counted from either end.
        let mut day = date("2025-01-01");
        while day < date("2027-01-01") {
            let back = day.checked_sub_months(Months::new(3)).expect("date");
            let ahead = day.checked_add_months(Months::new(3)).expect("date");
            assert!(ok(&back.to_string(), &day.to_string()) && ok(&day.to_string(), &ahead.to_string()), "{day}");
            day = day.succ_opt().expect("date");
        }
    }

    #[test]
    fn a_half_range_is_refused_and_a_bad_date_names_its_field() {
        let Err(Refusal(body)) = filter("fecha_emision__range_0=2026-01-15") else { panic!("accepted") };
        assert!(body["detail"].as_str().is_some_and(|d| d.contains("3 meses")), "{body}");
        let Err(Refusal(body)) = filter("fecha_pago__range_0=2026/01/15&fecha_pago__range_1=2026-02-01") else {
            panic!("accepted")
        };
        assert_eq!(body, json!({ "fecha_pago": ["Introduzca una fecha válida."] }));
    }

    #[test]
    fn a_range_replaces_the_default_window_and_a_reversed_one_is_accepted() {
        assert_eq!(range("fecha_pago__range_0=2026-01-01&fecha_pago__range_1=2026-02-01").len(), 1);
        assert_eq!(range("fecha_emision__range_0=2026-03-01&fecha_emision__range_1=2026-02-01").len(), 1);
    }
}
