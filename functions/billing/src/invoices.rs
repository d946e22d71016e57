//! A client's invoices from WispHub's `GET /api/facturas/` and its traps (docs/wisphub.md §2b): the
//! client filter takes the `usuario`, not the service id; without dates only the current month
//! comes back and more than 3 months at once is a 400; an ignored filter sends the whole tenant.
//! So the lookback is read in windows of under 3 months and every row is checked.

use std::collections::HashSet;

use chrono::{DateTime, Days, Months, NaiveDate};
use chrono_tz::Tz;
use futures::future::try_join_all;
use serde::Deserialize;
use shared::wisphub::model::{decimal, lenient, required_int, text};
use shared::wisphub::{Route, UpstreamError, WispHub};

/// WispHub's invoice states: the code its filter takes and the label its records carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceState {
    Pending,
    Paid,
}

impl InvoiceState {
    fn code(self) -> &'static str {
        match self {
            InvoiceState::Pending => "1",
            InvoiceState::Paid => "2",
        }
    }

    fn label(self) -> &'static str {
        match self {
            InvoiceState::Pending => "Pendiente de Pago",
            InvoiceState::Paid => "Pagada",
        }
    }
}

/// The date an invoice window filters on.
#[derive(Debug, Clone, Copy)]
pub enum DateField {
    Issued,
    Paid,
}

impl DateField {
    fn filters(self) -> (&'static str, &'static str) {
        match self {
            DateField::Issued => ("fecha_emision__range_0", "fecha_emision__range_1"),
            DateField::Paid => ("fecha_pago__range_0", "fecha_pago__range_1"),
        }
    }
}

/// One invoice, with only what billing reads. The embedded customer (`cliente`: name, document,
/// address, phone) is not declared beyond `usuario`, so it never leaves the decoder.
#[derive(Debug, Clone, Deserialize)]
pub struct InvoiceRecord {
    #[serde(deserialize_with = "required_int")]
    pub id_factura: i64,
    #[serde(default, deserialize_with = "text")]
    pub fecha_emision: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub fecha_vencimiento: Option<String>,
    /// ISO with offset; present even on unpaid invoices.
    #[serde(default, deserialize_with = "text")]
    pub fecha_pago: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub estado: Option<String>,
    #[serde(default, deserialize_with = "decimal")]
    pub total: Option<f64>,
    #[serde(default, deserialize_with = "lenient")]
    cliente: Option<InvoiceClient>,
}

#[derive(Debug, Clone, Deserialize)]
struct InvoiceClient {
    #[serde(default, deserialize_with = "text")]
    usuario: Option<String>,
}

impl InvoiceRecord {
    fn belongs_to(&self, usuario: &str) -> bool {
        self.cliente.as_ref().and_then(|c| c.usuario.as_deref()).is_some_and(|u| u.eq_ignore_ascii_case(usuario))
    }

    fn is_in(&self, state: InvoiceState) -> bool {
        self.estado.as_deref().is_some_and(|label| label.trim().eq_ignore_ascii_case(state.label()))
    }

    /// The day of a `YYYY-MM-DD` field (a time after it, if any, is ignored).
    pub fn day(field: Option<&str>) -> Option<NaiveDate> {
        let text = field?.trim();
        NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d").ok()
    }

    pub fn issued_on(&self) -> Option<NaiveDate> {
        Self::day(self.fecha_emision.as_deref())
    }

    pub fn due_on(&self) -> Option<NaiveDate> {
        Self::day(self.fecha_vencimiento.as_deref())
    }

    /// The tenant-local day of the payment.
    pub fn paid_on(&self, zone: Tz) -> Option<NaiveDate> {
        let at = DateTime::parse_from_rfc3339(self.fecha_pago.as_deref()?.trim()).ok()?;
        Some(at.with_timezone(&zone).date_naive())
    }

    fn date(&self, field: DateField, zone: Tz) -> Option<NaiveDate> {
        match field {
            DateField::Issued => self.issued_on(),
            DateField::Paid => self.paid_on(zone),
        }
    }
}

/// Inclusive date windows, newest first, each under WispHub's 3-month limit, covering the `months`
/// up to `today` (12 months back from 2026-12-02 is 2025-12-03 to 2026-12-02).
pub fn windows(today: NaiveDate, months: u32) -> Vec<(NaiveDate, NaiveDate)> {
    let oldest = today.checked_sub_months(Months::new(months)).unwrap_or(today);
    let mut windows = Vec::new();
    let mut end = today;
    while end > oldest {
        let start = end
            .checked_sub_months(Months::new(3))
            .and_then(|d| d.checked_add_days(Days::new(1)))
            .unwrap_or(end)
            .max(oldest.succ_opt().unwrap_or(oldest));
        windows.push((start, end));
        match start.checked_sub_days(Days::new(1)) {
            Some(previous) => end = previous,
            None => break,
        }
    }
    windows
}

/// What to read: whose invoices, in which state, over which windows of which date.
pub struct InvoiceQuery<'a> {
    pub usuario: &'a str,
    pub state: InvoiceState,
    pub field: DateField,
    pub windows: Vec<(NaiveDate, NaiveDate)>,
    pub zone: Tz,
}

/// The client's invoices in the query's state and windows, every page of every window, each row
/// checked (owner, state label, date inside its window) and kept once.
pub async fn invoices(wisphub: &WispHub, query: &InvoiceQuery<'_>) -> Result<Vec<InvoiceRecord>, UpstreamError> {
    let (from, to) = query.field.filters();
    let lists = try_join_all(query.windows.iter().map(|&(start, end)| {
        let filters = [
            ("estado", query.state.code().to_owned()),
            ("cliente", query.usuario.to_owned()),
            (from, start.format("%Y-%m-%d").to_string()),
            (to, end.format("%Y-%m-%d").to_string()),
        ];
        async move {
            wisphub
                .find(&Route::Invoices, &filters, |invoice: &InvoiceRecord| {
                    invoice.belongs_to(query.usuario)
                        && invoice.is_in(query.state)
                        && invoice.date(query.field, query.zone).is_some_and(|day| (start..=end).contains(&day))
                })
                .await
        }
    }))
    .await?;
    let mut seen = HashSet::new();
    Ok(lists.into_iter().flatten().filter(|invoice| seen.insert(invoice.id_factura)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_year_back_is_four_windows_under_three_months_that_touch_without_overlap() {
        let windows = windows(day("2026-12-02"), 12);
        assert_eq!(windows.first(), Some(&(day("2026-09-03"), day("2026-12-02"))));
        assert_eq!(windows.last(), Some(&(day("2025-12-03"), day("2026-03-02"))));
        assert_eq!(windows.len(), 4, "{windows:?}");
        assert_eq!(super::windows(day("2026-12-02"), 1), [(day("2026-11-03"), day("2026-12-02"))]);
        for pair in windows.windows(2) {
            assert_eq!(pair[1].1.succ_opt(), Some(pair[0].0), "contiguous: {pair:?}");
        }
        for (start, end) in &windows {
            assert!(start <= end && end.signed_duration_since(*start).num_days() < 92, "{start}..{end}");
        }
    }

    #[test]
    fn rows_are_checked_for_owner_state_and_amounts_in_either_spelling() {
        let invoice: InvoiceRecord = serde_json::from_value(json!({
            "id_factura": "77", "fecha_emision": "2026-11-25", "estado": "Pendiente de Pago", "total": "65000.00",
            "fecha_pago": "2026-11-26T00:30:00-05:00",
            "cliente": {"usuario": "jose.perez", "cedula": "1023456789", "telefono": "3001234567"}
        }))
        .unwrap();
        assert!(invoice.belongs_to("jose.perez") && !invoice.belongs_to("otro"));
        assert!(invoice.is_in(InvoiceState::Pending) && !invoice.is_in(InvoiceState::Paid));
        assert_eq!((invoice.total, invoice.issued_on()), (Some(65000.0), Some(day("2026-11-25"))));
        assert_eq!(invoice.paid_on(chrono_tz::America::Bogota), Some(day("2026-11-26")));
    }
}
