//! Django REST Framework's field checks, shared by the form validators (`POST /api/tickets/`,
//! `POST /api/facturas/reportar-pago/{id}/`): every field checked, every error collected into the
//! 400 body `{"field": ["message"]}`, in Spanish. Imports nothing of `data`, so any of it may use it.

use std::ops::RangeInclusive;

use chrono::NaiveDateTime;
use serde_json::{Map, Value, json};

use crate::body::text;

pub(crate) const REQUIRED: &str = "Este campo es requerido.";
pub(crate) const BLANK: &str = "Este campo no puede estar en blanco.";

/// The fields of one request and the errors found in them so far.
pub(crate) struct Form<'a> {
    fields: &'a Map<String, Value>,
    /// Whether text values come back trimmed (DRF's CharField) or as sent.
    trim: bool,
    errors: Map<String, Value>,
}

impl<'a> Form<'a> {
    /// Text values come back as sent (only the blank check looks past surrounding spaces).
    pub(crate) fn new(fields: &'a Map<String, Value>) -> Self {
        Form { fields, trim: false, errors: Map::new() }
    }

    /// Text values come back trimmed, as DRF's CharField does.
    pub(crate) fn trimmed(fields: &'a Map<String, Value>) -> Self {
        Form { fields, trim: true, errors: Map::new() }
    }

    /// Whether the request holds `field` at all (of any type).
    pub(crate) fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }

    /// Records the error of `field` (one message a field, the last one winning).
    pub(crate) fn fail(&mut self, field: &str, message: String) {
        self.errors.insert(field.to_string(), json!([message]));
    }

    fn read(&mut self, field: &str, allow_blank: bool) -> Option<String> {
        let value = text(self.fields, field).map(|v| if self.trim { v.trim().to_string() } else { v });
        match value {
            None => self.fail(field, REQUIRED.into()),
            Some(v) if v.trim().is_empty() && !allow_blank => self.fail(field, BLANK.into()),
            Some(v) => return Some(v),
        }
        None
    }

    /// A required text field, not blank.
    pub(crate) fn text(&mut self, field: &str) -> Option<String> {
        self.read(field, false)
    }

    /// A required text field that may be empty.
    pub(crate) fn text_or_blank(&mut self, field: &str) -> Option<String> {
        self.read(field, true)
    }

    /// A required text field of at most `max` characters.
    pub(crate) fn text_up_to(&mut self, field: &str, max: usize) -> Option<String> {
        let raw = self.text(field)?;
        if raw.chars().count() > max {
            self.fail(field, format!("Asegúrese de que este campo no tenga más de {max} caracteres."));
            return None;
        }
        Some(raw)
    }

    /// A PrimaryKeyRelatedField: an integer id `exists` accepts.
    pub(crate) fn primary_key(&mut self, field: &str, exists: impl Fn(i64) -> bool) -> Option<i64> {
        let raw = self.text(field)?;
        match raw.trim().parse::<i64>() {
            Ok(id) if exists(id) => Some(id),
            Ok(_) => {
                self.fail(field, format!("Clave primaria \"{raw}\" inválida - objeto no existe."));
                None
            }
            Err(_) => {
                self.fail(field, "Tipo incorrecto. Se esperaba valor de clave primaria y se recibió str.".into());
                None
            }
        }
    }

    /// A ChoiceField of numeric codes.
    pub(crate) fn code(&mut self, field: &str, codes: RangeInclusive<u8>) -> Option<u8> {
        let raw = self.text(field)?;
        match raw.trim().parse::<u8>() {
            Ok(code) if codes.contains(&code) => Some(code),
            _ => {
                self.fail(field, format!("\"{raw}\" no es una elección válida."));
                None
            }
        }
    }

    /// A text field that must be one of `options`, with Django's message.
    pub(crate) fn option(&mut self, field: &str, options: &[&str]) -> Option<String> {
        let raw = self.text(field)?;
        if options.contains(&raw.as_str()) {
            Some(raw)
        } else {
            self.fail(field, format!("Seleccione una opción válida. {raw} no es una de las opciones disponibles."));
            None
        }
    }

    /// A DateTimeField in `format`, which the error shows as `shown` (e.g. `DD/MM/YYYY HH:MM`).
    pub(crate) fn datetime(&mut self, field: &str, format: &str, shown: &str) -> Option<NaiveDateTime> {
        let raw = self.text(field)?;
        match NaiveDateTime::parse_from_str(raw.trim(), format) {
            Ok(t) => Some(t),
            Err(_) => {
                let message =
                    format!("Fecha/hora con formato erróneo. Use uno de los siguientes formatos en su lugar: {shown}.");
                self.fail(field, message);
                None
            }
        }
    }

    /// The validated value when no field failed, else the 400 body naming every failure.
    pub(crate) fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, Map<String, Value>> {
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        build().ok_or(self.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_as_sent_or_trimmed_and_errors_name_what_was_read() {
        let value = json!({ "a": " x ", "id": " 9 ", "blank": "  " });
        let fields = value.as_object().cloned().unwrap_or_default();
        let mut sent = Form::new(&fields);
        assert_eq!(sent.text("a").as_deref(), Some(" x "));
        assert_eq!(sent.text_or_blank("blank").as_deref(), Some("  "));
        assert_eq!(sent.primary_key("id", |_| false), None);
        let mut trimmed = Form::trimmed(&fields);
        assert_eq!(trimmed.text("a").as_deref(), Some("x"));
        assert_eq!(trimmed.text("blank"), None);
        assert_eq!(trimmed.primary_key("id", |_| false), None);
        assert_eq!(trimmed.text("missing"), None);
        assert_eq!(
            sent.finish(|| Some(())),
            Err(json!({ "id": ["Clave primaria \" 9 \" inválida - objeto no existe."] })
                .as_object()
                .cloned()
                .unwrap_or_default())
        );
        let errors = trimmed.finish(|| Some(())).expect_err("errors");
        assert_eq!(
            Value::Object(errors),
            json!({ "blank": [BLANK], "id": ["Clave primaria \"9\" inválida - objeto no existe."], "missing": [REQUIRED] })
        );
    }
}
