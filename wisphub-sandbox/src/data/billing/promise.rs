//! `POST /api/promesa-pago/`: what WispHub checks in a payment promise (the date's format, little
//! else: the invoice id is not looked up) and what it answers.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Map, Value, json};

const REQUIRED: &str = "Este campo es requerido.";

/// A promise WispHub accepted.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Promise {
    pub id_factura: i64,
    pub fecha_limite: NaiveDate,
    pub comentarios: String,
    /// 1: reconnect a suspended service until the date.
    pub accion: u8,
}

impl Promise {
    /// The 200 answer: the invoice and the date as a datetime at midnight.
    pub(crate) fn echo(&self) -> Value {
        json!({
            "id_factura": self.id_factura,
            "fecha_limite": format!("{} 00:00", self.fecha_limite.format("%Y-%m-%d")),
        })
    }

    /// What `Sandbox::payment_promises` and `/_sandbox/payment-promises` show.
    pub(crate) fn record(&self, id_servicio: Option<i64>, recibida: NaiveDateTime) -> Value {
        json!({
            "id_factura": self.id_factura,
            "id_servicio": id_servicio,
            "fecha_limite": self.fecha_limite.format("%Y-%m-%d").to_string(),
            "comentarios": self.comentarios,
            "accion": self.accion,
            "recibida": format!("{}-05:00", recibida.format("%Y-%m-%dT%H:%M:%S")),
        })
    }
}

/// An integer the way DRF's IntegerField reads it: a number, or text holding one.
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The promise, or DRF's 400 body naming every bad field.
pub(crate) fn validate(input: &Map<String, Value>) -> Result<Promise, Map<String, Value>> {
    let mut errors = Map::new();
    let mut fail = |field: &str, message: String| {
        errors.insert(field.to_string(), json!([message]));
    };
    let id_factura = match input.get("id_factura") {
        None | Some(Value::Null) => {
            fail("id_factura", REQUIRED.into());
            None
        }
        Some(v) => integer(v).or_else(|| {
            fail("id_factura", "Introduzca un número entero válido.".into());
            None
        }),
    };
    let fecha_limite = match input.get("fecha_limite") {
        None | Some(Value::Null) => {
            fail("fecha_limite", REQUIRED.into());
            None
        }
        Some(v) => v.as_str().and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()).or_else(|| {
            fail(
                "fecha_limite",
                "Formato de fecha incorrecto. Use uno de los siguientes formatos en su lugar: YYYY-MM-DD.".into(),
            );
            None
        }),
    };
    let accion = match input.get("accion") {
        None | Some(Value::Null) => Some(0),
        Some(Value::Bool(b)) => Some(u8::from(*b)),
        Some(v) => integer(v).filter(|a| *a == 0 || *a == 1).map(|a| a as u8).or_else(|| {
            let shown = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            fail("accion", format!("\"{shown}\" no es una elección válida."));
            None
        }),
    };
    let comentarios = match input.get("comentarios") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    match (id_factura, fecha_limite, accion) {
        (Some(id_factura), Some(fecha_limite), Some(accion)) if errors.is_empty() => {
            Ok(Promise { id_factura, fecha_limite, comentarios, accion })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(body: Value) -> Result<Promise, Map<String, Value>> {
        validate(body.as_object().expect("object"))
    }

    #[test]
    fn a_good_promise_echoes_the_date_at_midnight() {
        let promise = check(json!({"id_factura": "40012", "fecha_limite": "2026-05-08", "accion": "1"})).expect("ok");
        assert_eq!(promise.echo(), json!({"id_factura": 40012, "fecha_limite": "2026-05-08 00:00"}));
        assert_eq!((promise.accion, promise.comentarios.as_str()), (1, ""));
    }

    #[test]
    fn slashes_a_missing_date_and_a_bad_action_are_refused() {
        let errors = check(json!({"id_factura": 1, "fecha_limite": "08/05/2026"})).expect_err("slashes");
        assert!(errors["fecha_limite"][0].as_str().is_some_and(|m| m.contains("YYYY-MM-DD")));
        let errors = check(json!({"accion": 2})).expect_err("empty");
        assert_eq!(errors["id_factura"], json!([REQUIRED]));
        assert_eq!(errors["fecha_limite"], json!([REQUIRED]));
        assert_eq!(errors["accion"], json!(["\"2\" no es una elección válida."]));
    }
}
