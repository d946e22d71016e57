//! Validation of `POST /api/tickets/` the way WispHub's DRF serializer does it: every field checked,
//! every error reported at once, in Spanish.

use std::ops::RangeInclusive;

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use super::catalog;
use super::drf::Form;
use super::tickets::TICKET_DATE_FORMAT;

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

/// Codes `estado` and `prioridad` accept.
const CODES: RangeInclusive<u8> = 1..=4;
/// How the ticket form's date fields are written, as DRF's error names it.
const DATE_SHOWN: &str = "DD/MM/YYYY HH:MM";

/// Checks every field; the error map is the 400 body.
pub(crate) fn validate(
    fields: &Map<String, Value>,
    service_exists: impl Fn(i64) -> bool,
) -> Result<NewTicket, Map<String, Value>> {
    let mut c = Form::new(fields);
    let subjects = catalog::tenant_subjects();
    let servicio = c.primary_key("servicio", service_exists);
    let asunto = c.option("asunto", &subjects);
    let asuntos_default = c.option("asuntos_default", &subjects);
    let descripcion = c.text("descripcion");
    let estado = c.code("estado", CODES);
    let prioridad = c.code("prioridad", CODES);
    let tecnico = c.primary_key("tecnico", |id| catalog::staff(id).is_some());
    let fecha_inicio = c.datetime("fecha_inicio", TICKET_DATE_FORMAT, DATE_SHOWN);
    let fecha_final = c.datetime("fecha_final", TICKET_DATE_FORMAT, DATE_SHOWN);
    let departamento = c.text("departamento");
    let _departamentos_default = c.text("departamentos_default");
    let origen_reporte = c.text("origen_reporte");
    if let (Some(a), Some(b)) = (&asunto, &asuntos_default)
        && a != b
    {
        c.fail("asuntos_default", "El asunto y asuntos_default deben ser iguales.".into());
    }
    c.finish(|| {
        Some(NewTicket {
            servicio: servicio?,
            asunto: asunto?,
            descripcion: descripcion?,
            estado: estado?,
            prioridad: prioridad?,
            tecnico: tecnico?,
            fecha_inicio: fecha_inicio?,
            fecha_final: fecha_final?,
            departamento: departamento?,
            origen_reporte: origen_reporte?,
        })
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

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
