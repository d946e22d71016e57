//! WispHub's wire records, decoded leniently: numbers in strings, `null`s, missing keys and odd
//! spellings become `None` instead of failing the record. Fields we never expose (passwords, MACs,
//! coordinates) are simply not declared, so they never leave the decoder.

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::payment_status::{PaymentStatus, estado_facturas};

/// A nested `{id, nombre}` reference (plan, zone, technician).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Named {
    #[serde(default, deserialize_with = "int")]
    pub id: Option<i64>,
    #[serde(default, deserialize_with = "text")]
    pub nombre: Option<String>,
}

/// One service of a client, as the list route `GET /api/clientes/` gives it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ClientRecord {
    #[serde(deserialize_with = "required_int")]
    pub id_servicio: i64,
    #[serde(default, deserialize_with = "text")]
    pub usuario: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub nombre: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub cedula: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub telefono: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub direccion: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub localidad: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub ciudad: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub estado: Option<String>,
    #[serde(default, deserialize_with = "estado_facturas")]
    pub estado_facturas: Option<PaymentStatus>,
    #[serde(default, deserialize_with = "decimal")]
    pub saldo: Option<f64>,
    #[serde(default, deserialize_with = "decimal")]
    pub precio_plan: Option<f64>,
    #[serde(default, deserialize_with = "date_dmy")]
    pub fecha_corte: Option<NaiveDate>,
    #[serde(default, deserialize_with = "text")]
    pub ip: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub interfaz_lan: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub plan_internet: Option<Named>,
    #[serde(default, deserialize_with = "lenient")]
    pub zona: Option<Named>,
    #[serde(default, deserialize_with = "lenient")]
    pub tecnico: Option<Named>,
    /// The router the service hangs from, with the ISP's general-fault flag.
    #[serde(default, deserialize_with = "lenient")]
    pub router: Option<DeviceRecord>,
    /// The sector (access point) the service hangs from, when it has one.
    #[serde(default, deserialize_with = "lenient")]
    pub sectorial: Option<DeviceRecord>,
}

/// A router or sector of a client record: `falla_general` is the ISP's "general outage" flag.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct DeviceRecord {
    #[serde(default, deserialize_with = "int")]
    pub id: Option<i64>,
    #[serde(default, deserialize_with = "text")]
    pub nombre: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub falla_general: bool,
    #[serde(default, deserialize_with = "text")]
    pub falla_general_descripcion: Option<String>,
}

impl ClientRecord {
    /// Whether WispHub shows the service as `Activo`.
    pub fn is_active(&self) -> bool {
        self.estado.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("activo"))
    }
}

/// A plan of `GET /api/plan-internet/`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct PlanRecord {
    #[serde(deserialize_with = "required_int")]
    pub id: i64,
    #[serde(deserialize_with = "required_text")]
    pub nombre: String,
    #[serde(default, deserialize_with = "text")]
    pub tipo: Option<String>,
}

/// A plan detail (`pppoe/{id}/` or `queue/{id}/`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct PlanDetailRecord {
    #[serde(default, deserialize_with = "text")]
    pub nombre: Option<String>,
    #[serde(default, deserialize_with = "decimal")]
    pub precio: Option<f64>,
    #[serde(default, deserialize_with = "text")]
    pub bajada: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub subida: Option<String>,
}

/// A DRF `count`, which may arrive as a number or a string.
pub fn lenient_count(value: &Value) -> Option<usize> {
    match value {
        Value::Number(n) => n.as_u64().map(|n| n as usize),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Text, from a string (trimmed, empty → None) or a number; anything else → None.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// A yes/no flag from a bool, `1`/`0` or `"true"`/`"false"`/`"1"`/`"si"`; anything else is no.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::Number(n) => n.as_i64() == Some(1),
        Value::String(s) => matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "1" | "si" | "sí"),
        _ => false,
    })
}

/// An integer from a number or a numeric string.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A decimal (money) from a number or a string such as `"65000.00"` or `"65.000,00"`.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_decimal(&s),
        _ => None,
    })
}

/// A money amount in either notation; `None` when it is not one.
pub fn parse_decimal(raw: &str) -> Option<f64> {
    let cleaned: String = raw.trim().chars().filter(|c| !matches!(c, '$' | ' ')).collect();
    // "65.000,00" (comma decimal) → "65000.00"; "65,000.00" (comma thousands) → "65000.00";
    // "65.000" and "1.500.000" (Colombian thousands) → "65000", "1500000"; "65000.50" stays.
    let groups_of_three = |sep: char| {
        let parts: Vec<&str> = cleaned.split(sep).collect();
        parts.len() > 1 && parts[1..].iter().all(|p| p.len() == 3)
    };
    let normalised = match (cleaned.rfind(','), cleaned.rfind('.')) {
        (Some(comma), Some(dot)) if comma > dot => cleaned.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => cleaned.replace(',', ""),
        (None, Some(_)) if groups_of_three('.') => cleaned.replace('.', ""),
        (Some(_), None) if groups_of_three(',') => cleaned.replace(',', ""),
        (Some(_), None) => cleaned.replace(',', "."),
        _ => cleaned,
    };
    normalised.parse().ok().filter(|f: &f64| f.is_finite())
}

/// A date written `D/MM/YYYY` (day not zero-padded), or ISO.
pub fn date_dmy<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    Ok(text(d)?.and_then(|s| {
        let day_part = s.split_whitespace().next().unwrap_or_default();
        NaiveDate::parse_from_str(day_part, "%d/%m/%Y")
            .or_else(|_| NaiveDate::parse_from_str(day_part, "%Y-%m-%d"))
            .ok()
    }))
}

/// A nested value that is null, missing or of an unexpected shape reads as `None`, never failing the record.
pub fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

/// An id that must be there: a record without it is malformed (and skipped by the list reader).
pub fn required_int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    int(d)?.ok_or_else(|| serde::de::Error::custom("expected an integer id"))
}

fn required_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    text(d)?.ok_or_else(|| serde::de::Error::custom("expected text"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn client_record_tolerates_strings_nulls_and_missing_keys() {
        let record: ClientRecord = serde_json::from_value(json!({
            "id_servicio": "26", "nombre": "  José  ", "saldo": "1500.50", "precio_plan": null,
            "fecha_corte": "8/05/2026", "zona": {"id": "3", "nombre": "Norte"}, "tecnico": null,
            "password_servicio": "never-kept"
        }))
        .unwrap();
        assert_eq!(record.id_servicio, 26);
        assert_eq!(record.nombre.as_deref(), Some("José"));
        assert_eq!(record.saldo, Some(1500.5));
        assert_eq!(record.precio_plan, None);
        assert_eq!(record.fecha_corte, NaiveDate::from_ymd_opt(2026, 5, 8));
        assert_eq!(record.zona.unwrap().id, Some(3));
        assert_eq!(record.telefono, None);
    }

    #[test]
    fn device_flags_in_every_spelling() {
        let record: ClientRecord = serde_json::from_value(json!({
            "id_servicio": 1,
            "router": {"id": 2, "nombre": "RB-Sur", "falla_general": "true", "falla_general_descripcion": " Fibra cortada "},
            "sectorial": {"nombre": "AP", "falla_general": 0, "falla_general_descripcion": ""}
        }))
        .unwrap();
        let router = record.router.unwrap();
        assert!(router.falla_general && router.id == Some(2));
        assert_eq!(router.falla_general_descripcion.as_deref(), Some("Fibra cortada"));
        let sector = record.sectorial.unwrap();
        assert!(!sector.falla_general && sector.falla_general_descripcion.is_none());
        let bare: ClientRecord =
            serde_json::from_value(json!({"id_servicio": 1, "router": "RB", "sectorial": null})).unwrap();
        assert_eq!((bare.router, bare.sectorial), (None, None));
    }

    #[test]
    fn a_record_without_an_id_is_malformed() {
        assert!(serde_json::from_value::<ClientRecord>(json!({"nombre": "x"})).is_err());
        assert!(serde_json::from_value::<PlanRecord>(json!({"id": "x9", "nombre": null, "tipo": 7})).is_err());
    }

    #[test]
    fn decimals_in_both_notations() {
        assert_eq!(parse_decimal("65000.00"), Some(65000.0));
        assert_eq!(parse_decimal("65.000,00"), Some(65000.0));
        assert_eq!(parse_decimal("65,000.00"), Some(65000.0));
        assert_eq!(parse_decimal("$ 40000"), Some(40000.0));
        assert_eq!(parse_decimal("65.000"), Some(65000.0));
        assert_eq!(parse_decimal("1.500.000"), Some(1_500_000.0));
        assert_eq!(parse_decimal("65000.5"), Some(65000.5));
        assert_eq!(parse_decimal("65,5"), Some(65.5));
        assert_eq!(parse_decimal("n/a"), None);
    }
}
