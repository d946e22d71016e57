//! Validation of `POST /api/tickets/` the way WispHub's DRF serializer does it: every field checked,
//! every error reported at once, in Spanish.

use chrono::NaiveDateTime;
use serde_json::{Map, Value, json};

use super::catalog;
use super::tickets::TICKET_DATE_FORMAT;
use crate::body::text;

/// A ticket request that passed validation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct NewTicket {
    pub servicio: i64,
    pub asunto: String,
    pub descripcion: String,
    pub estado: u8,
    pub prioridad: u8,
    pub tecnico: i64,
    pub fecha_inicio: NaiveDateTime,
    pub fecha_final: NaiveDateTime,
    pub departamento: String,
    pub origen_reporte: String,
}

const REQUIRED: &str = "Este campo es requerido.";
const BLANK: &str = "Este campo no puede estar en blanco.";

struct Checker<'a> {
    fields: &'a Map<String, Value>,
    errors: Map<String, Value>,
}

impl Checker<'_> {
    fn fail(&mut self, field: &str, message: String) {
        self.errors.insert(field.to_string(), json!([message]));
    }

    fn text(&mut self, field: &str) -> Option<String> {
        match text(self.fields, field) {
            None => self.fail(field, REQUIRED.into()),
            Some(v) if v.trim().is_empty() => self.fail(field, BLANK.into()),
            Some(v) => return Some(v),
        }
        None
    }

    fn primary_key(&mut self, field: &str, exists: impl Fn(i64) -> bool) -> Option<i64> {
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

    fn code(&mut self, field: &str) -> Option<u8> {
        let raw = self.text(field)?;
        match raw.trim().parse::<u8>() {
            Ok(code @ 1..=4) => Some(code),
            _ => {
                self.fail(field, format!("\"{raw}\" no es una elección válida."));
                None
            }
        }
    }

    fn subject(&mut self, field: &str) -> Option<String> {
        let raw = self.text(field)?;
        if catalog::tenant_subjects().contains(&raw.as_str()) {
            Some(raw)
        } else {
            self.fail(field, format!("Seleccione una opción válida. {raw} no es una de las opciones disponibles."));
            None
        }
    }

    fn date(&mut self, field: &str) -> Option<NaiveDateTime> {
        let raw = self.text(field)?;
        match NaiveDateTime::parse_from_str(raw.trim(), TICKET_DATE_FORMAT) {
            Ok(t) => Some(t),
            Err(_) => {
                let message = "Fecha/hora con formato erróneo. Use uno de los siguientes formatos en su lugar: \
                               DD/MM/YYYY HH:MM.";
                self.fail(field, message.into());
                None
            }
        }
    }
}

/// Checks every field; the error map is the 400 body.
pub(crate) fn validate(
    fields: &Map<String, Value>,
    service_exists: impl Fn(i64) -> bool,
) -> Result<NewTicket, Map<String, Value>> {
    let mut c = Checker { fields, errors: Map::new() };
    let servicio = c.primary_key("servicio", service_exists);
    let asunto = c.subject("asunto");
    let asuntos_default = c.subject("asuntos_default");
    let descripcion = c.text("descripcion");
    let estado = c.code("estado");
    let prioridad = c.code("prioridad");
    let tecnico = c.primary_key("tecnico", |id| catalog::staff(id).is_some());
    let fecha_inicio = c.date("fecha_inicio");
    let fecha_final = c.date("fecha_final");
    let departamento = c.text("departamento");
    let _departamentos_default = c.text("departamentos_default");
    let origen_reporte = c.text("origen_reporte");
    if let (Some(a), Some(b)) = (&asunto, &asuntos_default)
        && a != b
    {
        c.fail("asuntos_default", "El asunto y asuntos_default deben ser iguales.".into());
    }
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let (
        Some(servicio),
        Some(asunto),
        Some(descripcion),
        Some(estado),
        Some(prioridad),
        Some(tecnico),
        Some(fecha_inicio),
        Some(fecha_final),
        Some(departamento),
        Some(origen_reporte),
    ) = (
        servicio,
        asunto,
        descripcion,
        estado,
        prioridad,
        tecnico,
        fecha_inicio,
        fecha_final,
        departamento,
        origen_reporte,
    )
    else {
        return Err(c.errors);
    };
    Ok(NewTicket {
        servicio,
        asunto,
        descripcion,
        estado,
        prioridad,
        tecnico,
        fecha_inicio,
        fecha_final,
        departamento,
        origen_reporte,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Map<String, Value> {
        let value = json!({
            "servicio": 1001, "asunto": "Internet Lento", "asuntos_default": "Internet Lento",
            "descripcion": "Navega lento", "estado": "1", "prioridad": 2, "tecnico": "7",
            "fecha_inicio": "08/05/2026 10:00", "fecha_final": "11/05/2026 10:00",
            "departamento": "Soporte Técnico", "departamentos_default": "Soporte Técnico", "origen_reporte": "oficina",
        });
        value.as_object().cloned().unwrap_or_default()
    }

    fn errors_for(edit: impl FnOnce(&mut Map<String, Value>)) -> Map<String, Value> {
        let mut fields = valid();
        edit(&mut fields);
        validate(&fields, |id| id == 1001).expect_err("should be refused")
    }

    #[test]
    fn a_complete_request_passes_with_numbers_or_strings() {
        let ticket = validate(&valid(), |id| id == 1001).expect("valid");
        assert_eq!((ticket.servicio, ticket.estado, ticket.prioridad, ticket.tecnico), (1001, 1, 2, 7));
    }

    #[test]
    fn each_missing_field_is_reported_as_required() {
        for field in [
            "servicio",
            "asunto",
            "asuntos_default",
            "descripcion",
            "estado",
            "prioridad",
            "tecnico",
            "fecha_inicio",
            "fecha_final",
            "departamento",
            "departamentos_default",
            "origen_reporte",
        ] {
            let errors = errors_for(|f| {
                f.remove(field);
            });
            assert_eq!(errors[field], json!(["Este campo es requerido."]), "missing {field}");
        }
    }

    #[test]
    fn subject_outside_the_tenant_catalogue_is_refused() {
        let errors = errors_for(|f| {
            f.insert("asunto".into(), json!("Jumper Dañado"));
        });
        assert_eq!(
            errors["asunto"],
            json!(["Seleccione una opción válida. Jumper Dañado no es una de las opciones disponibles."])
        );
    }

    #[test]
    fn bad_codes_dates_and_ids_are_refused_together() {
        let errors = errors_for(|f| {
            f.insert("estado".into(), json!("Nuevo"));
            f.insert("fecha_final".into(), json!("2026-05-11 10:00"));
            f.insert("servicio".into(), json!(999));
            f.insert("tecnico".into(), json!(3));
        });
        let mut keys: Vec<_> = errors.keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["estado", "fecha_final", "servicio", "tecnico"]);
    }

    #[test]
    fn differing_asunto_and_asuntos_default_is_refused() {
        let errors = errors_for(|f| {
            f.insert("asuntos_default".into(), json!("No Tiene Internet"));
        });
        assert!(errors.contains_key("asuntos_default"));
    }
}
