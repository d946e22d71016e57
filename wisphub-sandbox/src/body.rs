//! Request bodies as DRF parses them: JSON, urlencoded or multipart, all seen as one object of fields.

use std::convert::Infallible;

use axum::http::{HeaderMap, header};
use bytes::Bytes;
use serde_json::{Map, Value};

/// The parsed body, put in the request extensions so handlers never read the body again.
#[derive(Clone, Debug)]
pub(crate) enum ParsedForm {
    /// GET and friends: no body expected.
    None,
    Fields(Map<String, Value>),
    /// A body DRF would refuse (bad JSON, unknown media type): status and detail to answer with.
    Invalid(u16, String),
}

impl ParsedForm {
    /// What the request log shows: the fields, or null when there are none to show.
    pub(crate) fn as_log_value(&self) -> Value {
        match self {
            ParsedForm::Fields(map) => Value::Object(map.clone()),
            _ => Value::Null,
        }
    }
}

pub(crate) async fn parse(headers: &HeaderMap, body: Bytes) -> ParsedForm {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if body.is_empty() && !media.starts_with("multipart/") {
        return ParsedForm::Fields(Map::new());
    }
    match media.as_str() {
        "application/json" => parse_json(&body),
        "application/x-www-form-urlencoded" => parse_urlencoded(&body),
        "multipart/form-data" => parse_multipart(&content_type, body).await,
        _ => ParsedForm::Invalid(415, format!("Tipo de medio \"{media}\" no soportado en la petición.")),
    }
}

fn parse_json(body: &[u8]) -> ParsedForm {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => ParsedForm::Fields(map),
        Ok(_) => ParsedForm::Invalid(400, "JSON parse error - se esperaba un objeto.".into()),
        Err(err) => ParsedForm::Invalid(400, format!("JSON parse error - {err}")),
    }
}

fn parse_urlencoded(body: &[u8]) -> ParsedForm {
    match serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) {
        // Django's QueryDict: a repeated field keeps its last value.
        Ok(pairs) => ParsedForm::Fields(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect()),
        Err(err) => ParsedForm::Invalid(400, format!("Formulario inválido - {err}")),
    }
}

async fn parse_multipart(content_type: &str, body: Bytes) -> ParsedForm {
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return ParsedForm::Invalid(400, "Multipart form parse error - Invalid boundary in multipart: None".into());
    };
    let stream = futures::stream::once(async move { Ok::<Bytes, Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut map = Map::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                match field.text().await {
                    Ok(text) => {
                        map.insert(name, Value::String(text));
                    }
                    Err(err) => return ParsedForm::Invalid(400, format!("Multipart form parse error - {err}")),
                }
            }
            Ok(None) => return ParsedForm::Fields(map),
            Err(err) => return ParsedForm::Invalid(400, format!("Multipart form parse error - {err}")),
        }
    }
}

/// A field as text the way DRF's CharField sees it: numbers become their decimal text.
pub(crate) fn text(fields: &Map<String, Value>, key: &str) -> Option<String> {
    match fields.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "true".into() } else { "false".into() }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(content_type: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        h
    }

    fn fields(form: ParsedForm) -> Map<String, Value> {
        match form {
            ParsedForm::Fields(map) => map,
            other => panic!("expected fields, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn json_urlencoded_and_multipart_give_the_same_fields() {
        let json = fields(parse(&headers("application/json"), Bytes::from(r#"{"asunto":"Internet Lento"}"#)).await);
        let form =
            fields(parse(&headers("application/x-www-form-urlencoded"), Bytes::from("asunto=Internet+Lento")).await);
        let multi_body =
            "--XyZ\r\nContent-Disposition: form-data; name=\"asunto\"\r\n\r\nInternet Lento\r\n--XyZ--\r\n";
        let multi = fields(parse(&headers("multipart/form-data; boundary=XyZ"), Bytes::from(multi_body)).await);
        assert_eq!(json, form);
        assert_eq!(form, multi);
    }

    #[tokio::test]
    async fn repeated_urlencoded_field_keeps_the_last_value() {
        let map = fields(parse(&headers("application/x-www-form-urlencoded"), Bytes::from("estado=1&estado=2")).await);
        assert_eq!(map["estado"], "2");
    }

    #[tokio::test]
    async fn broken_json_is_a_400() {
        let form = parse(&headers("application/json"), Bytes::from("{nope")).await;
        assert!(matches!(form, ParsedForm::Invalid(400, _)));
    }
}
