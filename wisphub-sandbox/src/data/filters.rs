//! The list filters WispHub honours. Anything not named here is ignored without a word, which
//! is exactly the trap: the whole list comes back.

use chrono::NaiveDate;

use super::client::Client;
use super::tickets::Ticket;
use crate::paging::ListQuery;
use crate::text::fold;

#[derive(Clone, Copy, Debug)]
enum TextField {
    Cedula,
    Usuario,
    Telefono,
    Ciudad,
    Localidad,
}

#[derive(Clone, Copy, Debug)]
enum FoldedField {
    Nombre,
    Apellidos,
    Telefono,
    Cedula,
    Usuario,
}

#[derive(Clone, Copy, Debug)]
enum IdField {
    Servicio,
    Estado,
    Plan,
    Router,
    Tecnico,
}

#[derive(Clone, Debug)]
enum Cond {
    /// Exact on the raw stored text: `3157654321` does not match `"3157654321, 3209876543"`.
    Exact(TextField, String),
    /// Case- and accent-insensitive substring.
    Contains(FoldedField, String),
    /// A numeric id or code; `None` when the value was not a number, which matches nothing.
    Id(IdField, Option<i64>),
}

/// The client filters of one request.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClientFilter {
    conds: Vec<Cond>,
}

impl ClientFilter {
    pub(crate) fn from_query(q: &ListQuery) -> Self {
        let mut conds = Vec::new();
        let exact = [
            ("cedula", TextField::Cedula),
            ("usuario", TextField::Usuario),
            ("telefono", TextField::Telefono),
            ("ciudad", TextField::Ciudad),
            ("localidad", TextField::Localidad),
        ];
        for (key, field) in exact {
            if let Some(v) = q.filter(key) {
                conds.push(Cond::Exact(field, v.to_string()));
            }
        }
        let contains = [
            ("nombre", FoldedField::Nombre),
            ("nombre__contains", FoldedField::Nombre),
            ("apellido__contains", FoldedField::Apellidos),
            ("telefono__contains", FoldedField::Telefono),
            ("cedula__contains", FoldedField::Cedula),
            ("usuario__contains", FoldedField::Usuario),
        ];
        for (key, field) in contains {
            if let Some(v) = q.filter(key) {
                conds.push(Cond::Contains(field, fold(v)));
            }
        }
        let ids = [
            ("id_servicio", IdField::Servicio),
            ("estado", IdField::Estado),
            ("plan_internet", IdField::Plan),
            ("router", IdField::Router),
            ("tecnico", IdField::Tecnico),
        ];
        for (key, field) in ids {
            if let Some(v) = q.filter(key) {
                conds.push(Cond::Id(field, v.trim().parse().ok()));
            }
        }
        ClientFilter { conds }
    }

    pub(crate) fn matches(&self, c: &Client) -> bool {
        self.conds.iter().all(|cond| match cond {
            Cond::Exact(field, v) => {
                let stored = match field {
                    TextField::Cedula => &c.cedula,
                    TextField::Usuario => &c.usuario,
                    TextField::Telefono => &c.telefono,
                    TextField::Ciudad => &c.ciudad,
                    TextField::Localidad => &c.localidad,
                };
                stored == v
            }
            Cond::Contains(field, v) => {
                let stored = match field {
                    FoldedField::Nombre => &c.folded.nombre,
                    FoldedField::Apellidos => &c.folded.apellidos,
                    FoldedField::Telefono => &c.folded.telefono,
                    FoldedField::Cedula => &c.folded.cedula,
                    FoldedField::Usuario => &c.folded.usuario,
                };
                stored.contains(v.as_str())
            }
            Cond::Id(field, v) => {
                let stored = match field {
                    IdField::Servicio => c.id,
                    IdField::Estado => c.estado as i64,
                    IdField::Plan => c.plan.id,
                    // One router per zone, same id.
                    IdField::Router => c.zona,
                    IdField::Tecnico => c.tecnico,
                };
                *v == Some(stored)
            }
        })
    }
}

/// The ticket filters: numeric `estado` and the creation date range; `servicio`, `zona`, `cliente` are ignored.
#[derive(Clone, Debug, Default)]
pub(crate) struct TicketFilter {
    estado: Option<Option<u8>>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl TicketFilter {
    pub(crate) fn from_query(q: &ListQuery) -> Self {
        let date = |key: &str| q.filter(key).and_then(|v| NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok());
        TicketFilter {
            estado: q.filter("estado").map(|v| v.trim().parse().ok()),
            from: date("fecha_creacion_0"),
            to: date("fecha_creacion_1"),
        }
    }

    pub(crate) fn matches(&self, t: &Ticket) -> bool {
        let day = t.creado.date();
        self.estado.is_none_or(|e| e == Some(t.estado))
            && self.from.is_none_or(|from| day >= from)
            && self.to.is_none_or(|to| day <= to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Data;

    fn ids(query: &str) -> Vec<i64> {
        let data = Data::new(7, 60);
        let filter = ClientFilter::from_query(&ListQuery::new("h", "/api/clientes/", query));
        data.clients.iter().filter(|c| filter.matches(c)).map(|c| c.id).collect()
    }

    #[test]
    fn phone_filter_is_exact_on_the_raw_field() {
        assert_eq!(ids("telefono=3001234567"), [1001, 1002]);
        assert!(ids("telefono=3157654321").is_empty());
        assert_eq!(ids("telefono__contains=3157654321"), [1003]);
    }

    #[test]
    fn name_filters_ignore_case_and_accents() {
        assert_eq!(ids("nombre=perez"), [1001, 1002, 1007]);
        assert_eq!(ids("apellido__contains=NUNEZ"), [1003]);
        assert_eq!(ids("nombre__contains=Ángel"), [1006]);
    }

    #[test]
    fn document_is_matched_as_stored_with_its_dots() {
        assert!(ids("cedula=52345678").is_empty());
        assert_eq!(ids("cedula=52.345.678"), [1003]);
    }

    #[test]
    fn status_filter_is_numeric_only() {
        assert!(ids("estado=Activo").is_empty());
        assert_eq!(ids("estado=4"), [1006]);
    }

    #[test]
    fn unknown_and_empty_filters_are_ignored() {
        assert_eq!(ids("zona=1&search=Pérez&cedula=").len(), 60);
    }

    #[test]
    fn repeated_parameter_uses_the_last_value() {
        assert_eq!(ids("id_servicio=1001&id_servicio=1004"), [1004]);
    }
}
