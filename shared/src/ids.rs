//! The values a request names things by, parsed once at the door: WispHub ids, our ping task ids,
//! documents, phones and idempotency keys. Past the extractors an invalid one cannot exist; each
//! rule's Spanish problem is what the 422 says about the field.

use std::fmt;

use axum::extract::OptionalFromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::extract::PathValue;
use crate::store::keys;

const NOT_POSITIVE: &str = "debe ser un entero positivo";

macro_rules! wisphub_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(i64);

        impl $name {
            /// The id, when `raw` is positive (WispHub numbers everything from 1).
            pub fn new(raw: i64) -> Result<Self, &'static str> {
                if raw > 0 { Ok($name(raw)) } else { Err(NOT_POSITIVE) }
            }

            /// The number WispHub knows it by.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl PathValue for $name {
            type Raw = i64;

            fn parse(raw: i64) -> Result<Self, &'static str> {
                Self::new(raw)
            }
        }
    };
}

wisphub_id!(
    /// A WispHub service (`id_servicio`): one customer's connection.
    ServiceId
);
wisphub_id!(
    /// A WispHub zone, the unit the open-ticket limit counts in.
    ZoneId
);
wisphub_id!(
    /// A WispHub ticket.
    TicketId
);
wisphub_id!(
    /// A WispHub internet plan.
    PlanId
);

/// One of our ping tasks: a UUID, kept in its hyphenated lower-case spelling (the store's key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaskId(String);

impl TaskId {
    /// Our spelling of `raw` (surrounding spaces ignored) when it is a UUID in any of its forms.
    pub fn parse(raw: &str) -> Option<Self> {
        uuid::Uuid::parse_str(raw.trim()).ok().map(|id| TaskId(id.hyphenated().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A task id as a path gives it: text that is no UUID names no task (`None`: an answer, not a 422).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRef(pub Option<TaskId>);

impl PathValue for TaskRef {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, &'static str> {
        Ok(TaskRef(TaskId::parse(&raw)))
    }
}

/// A cédula or NIT as documents are compared: its letters and digits, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Document(String);

/// WispHub's `cedula` holds at most this many characters (separators are dropped before counting).
const MAX_DOCUMENT_CHARS: usize = 20;
const MIN_DOCUMENT_CHARS: usize = 5;

impl Document {
    /// The comparison key of any spelling: "1.023 456-789" → "1023456789".
    pub fn key(raw: &str) -> String {
        raw.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
    }

    /// Any spelling holding a letter or a digit: what a lookup takes.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let key = Self::key(raw);
        if key.is_empty() {
            return Err("no contiene dígitos ni letras");
        }
        Ok(Document(key))
    }

    /// A document WispHub can keep: 5 to 20 letters and digits.
    pub fn storable(raw: &str) -> Result<Self, &'static str> {
        let key = Self::key(raw);
        if key.len() < MIN_DOCUMENT_CHARS {
            return Err("debe tener al menos 5 caracteres alfanuméricos");
        }
        if key.len() > MAX_DOCUMENT_CHARS {
            return Err("debe tener como máximo 20 caracteres alfanuméricos");
        }
        Ok(Document(key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PathValue for Document {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, &'static str> {
        Document::parse(&raw)
    }
}

/// One phone number in any spelling, as its digits with an international `00` dropped: at least 7.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

/// E.164: a phone number has at most 15 digits, country code included.
const MAX_PHONE_DIGITS: usize = 15;
const MIN_NATIONAL_DIGITS: usize = 7;

impl Phone {
    /// `+57 300-123 4567`, `00573001234567` and `(300) 123 4567` are phones; `12` is not.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        let digits = digits.strip_prefix("00").map(str::to_owned).unwrap_or(digits);
        if digits.len() < MIN_NATIONAL_DIGITS {
            return Err("no es un número telefónico");
        }
        Ok(Phone(digits))
    }

    /// The national number: `country_code` dropped when it leads and a full number remains.
    pub fn national(&self, country_code: &str) -> String {
        match self.0.strip_prefix(country_code) {
            // Only strip when what remains is a full national number (Colombian numbers have 10 digits).
            Some(rest) if rest.len() >= MIN_NATIONAL_DIGITS && self.0.len() > 10 => rest.to_owned(),
            _ => self.0.clone(),
        }
    }

    /// A phone WispHub can keep: `+<country><national>` must fit E.164's 15 digits.
    pub fn storable(raw: &str, country_code: &str) -> Result<Self, &'static str> {
        let phone = Self::parse(raw)?;
        if country_code.len() + phone.national(country_code).len() > MAX_PHONE_DIGITS {
            return Err("debe tener como máximo 15 dígitos con el indicativo del país");
        }
        Ok(phone)
    }

    /// `+<country><national>`, the spelling WispHub is sent.
    pub fn international(&self, country_code: &str) -> String {
        format!("+{country_code}{}", self.national(country_code))
    }
}

impl PathValue for Phone {
    type Raw = String;

    fn parse(raw: String) -> Result<Self, &'static str> {
        Phone::parse(&raw)
    }
}

/// A caller-chosen `Idempotency-Key`: 1 to 200 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

const MAX_KEY_LEN: usize = 200;

impl IdempotencyKey {
    /// The request header that carries it.
    pub const HEADER: &'static str = "idempotency-key";
    const FIELD: &'static str = "Idempotency-Key";
    const PROBLEM: &'static str = "debe tener de 1 a 200 caracteres ASCII visibles";

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let fits = (1..=MAX_KEY_LEN).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic());
        if fits { Ok(IdempotencyKey(raw.to_owned())) } else { Err(Self::PROBLEM) }
    }

    /// The request's key, if it sent one; a malformed one is a 422 naming the header.
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Self>, ApiError> {
        let Some(raw) = headers.get(Self::HEADER) else { return Ok(None) };
        let key = raw.to_str().map_err(|_| Self::PROBLEM).and_then(Self::parse);
        key.map(Some).map_err(|problem| ApiError::invalid(Self::FIELD, problem))
    }

    /// The store key of this key for `caller`: scoped, so two API users choosing the same key
    /// never see each other's outcomes. The length prefix keeps `a#b` + `c` apart from `a` + `b#c`.
    pub fn record_key(&self, caller: &str) -> String {
        keys::idempotency(&format!("{}:{caller}:{}", caller.len(), self.0))
    }
}

/// `Option<IdempotencyKey>` as a handler argument: absent is `None`, malformed a 422.
impl<S: Send + Sync> OptionalFromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, ApiError> {
        Self::from_headers(&parts.headers)
    }
}

#[cfg(test)]
#[path = "ids_tests.rs"]
mod tests;
