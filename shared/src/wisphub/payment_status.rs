//! `payment_status`: whether a customer owes, in the words WispHub's `estado_facturas` uses. The
//! client object carries WispHub's own value; a balance derives it from the pending invoices.

use serde::{Deserializer, Serialize};
use utoipa::ToSchema;

/// Whether a customer owes, in WispHub's words (`estado_facturas`): the one vocabulary of
/// `payment_status`, on the client object and on a balance alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum PaymentStatus {
    /// Nothing pending.
    #[serde(rename = "Pagadas")]
    Paid,
    /// Pending invoices, none past its due date.
    #[serde(rename = "Pendiente de Pago")]
    Pending,
    /// An invoice past its due date.
    #[serde(rename = "Vencidas")]
    Overdue,
}

impl PaymentStatus {
    /// WispHub's label, exactly as it writes it (and as `payment_status` serialises).
    pub fn label(self) -> &'static str {
        match self {
            PaymentStatus::Paid => "Pagadas",
            PaymentStatus::Pending => "Pendiente de Pago",
            PaymentStatus::Overdue => "Vencidas",
        }
    }

    /// The status a label names, whatever its case or surrounding spaces; `None` for any other text.
    pub fn from_label(label: &str) -> Option<PaymentStatus> {
        let label = label.trim();
        [PaymentStatus::Paid, PaymentStatus::Pending, PaymentStatus::Overdue]
            .into_iter()
            .find(|status| status.label().eq_ignore_ascii_case(label))
    }
}

/// An `estado_facturas` label; one this API does not know reads as `None`, never failing the record.
pub fn estado_facturas<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PaymentStatus>, D::Error> {
    Ok(super::model::text(d)?.as_deref().and_then(PaymentStatus::from_label))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wisphub::model::ClientRecord;
    use serde_json::{Value, json};

    #[test]
    fn payment_status_reads_wisphubs_three_labels_and_writes_them_back() {
        let read = |label: Value| {
            serde_json::from_value::<ClientRecord>(json!({"id_servicio": 1, "estado_facturas": label}))
                .expect("decodes")
                .estado_facturas
        };
        assert_eq!(read(json!("Pagadas")), Some(PaymentStatus::Paid));
        assert_eq!(read(json!(" pendiente de pago ")), Some(PaymentStatus::Pending));
        assert_eq!(read(json!("Vencidas")), Some(PaymentStatus::Overdue));
        assert_eq!((read(json!("Al día")), read(Value::Null)), (None, None), "unknown or missing");
        for status in [PaymentStatus::Paid, PaymentStatus::Pending, PaymentStatus::Overdue] {
            assert_eq!(serde_json::to_value(status).ok(), Some(json!(status.label())), "{status:?}");
        }
    }
}
