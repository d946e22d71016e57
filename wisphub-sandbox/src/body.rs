//! Request bodies as DRF parses them: JSON, urlencoded or multipart, all seen as one object of
//! fields; multipart file parts are described (name, type, size, SHA-256) and never kept.

use std::convert::Infallible;

use axum::http::{HeaderMap, header};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use sha2::{Digest, Sha256};

/// The parsed body, put in the request extensions so handlers never read the body again.
#[derive(Clone, Debug)]
pub(crate) enum ParsedForm {
    /// GET and friends: no body expected.
    None,
    /// JSON or urlencoded.
    Fields(Map<String, Value>),
    /// multipart/form-data: the text parts as fields, and the file parts (those with a filename).
    Multipart(Map<String, Value>, Vec<Upload>),
    /// A body DRF would refuse (bad JSON, unknown media type): status and detail to answer with.
    Invalid(u16, String),
}

/// A multipart file part as Django's upload handler sees it, minus the bytes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Upload {
    /// The part's name in the form.
    pub field: String,
    pub file_name: String,
    /// The part's declared `Content-Type` without parameters, lowercase; None when it declares none.
    pub content_type: Option<String>,
    pub size: u64,
    /// Lowercase hex.
    pub sha256: String,
}

impl Upload {
    /// How the request log and the report record describe a file.
    pub(crate) fn describe(&self) -> Value {
        json!({
            "file_name": self.file_name,
            "file_type": self.content_type,
            "file_size": self.size,
            "file_sha256": self.sha256,
        })
    }
}

impl ParsedForm {
    /// What the request log shows: the fields (a file as its description), or null when there are
    /// none to show.
    pub(crate) fn as_log_value(&self) -> Value {
        match self {
            ParsedForm::Fields(map) => Value::Object(map.clone()),
            ParsedForm::Multipart(map, files) => {
                let mut shown = map.clone();
                for file in files {
                    shown.insert(file.field.clone(), file.describe());
                }
                Value::Object(shown)
            }
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
    let mut files: Vec<Upload> = Vec::new();
    let broken = |err: multer::Error| ParsedForm::Invalid(400, format!("Multipart form parse error - {err}"));
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return ParsedForm::Multipart(map, files),
            Err(err) => return broken(err),
        };
        let name = field.name().unwrap_or("").to_string();
        // Django's rule: a part with a filename is a file, anything else a field; an empty filename
        // (a form whose file input was left empty) is skipped.
        if field.file_name() == Some("") {
            continue;
        }
        if field.file_name().is_some() {
            match describe_file(name, field).await {
                Ok(upload) => {
                    // Like a QueryDict, a repeated name keeps its last part.
                    files.retain(|f| f.field != upload.field);
                    files.push(upload);
                }
                Err(err) => return broken(err),
            }
        } else {
            match field.text().await {
                Ok(text) => {
                    map.insert(name, Value::String(text));
                }
                Err(err) => return broken(err),
            }
        }
    }
}

/// Reads a file part through the digest, keeping only its description.
async fn describe_file(field_name: String, mut field: multer::Field<'_>) -> Result<Upload, multer::Error> {
    let file_name = field.file_name().unwrap_or("").to_string();
    let content_type = field.content_type().map(|m| m.essence_str().to_ascii_lowercase());
    let mut sha = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await? {
        size += chunk.len() as u64;
        sha.update(&chunk);
    }
    let sha256 = sha.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Upload { field: field_name, file_name, content_type, size, sha256 })
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
            ParsedForm::Fields(map) | ParsedForm::Multipart(map, _) => map,
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
    async fn a_file_part_is_described_not_kept_and_logged_by_its_description() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"nota\"\r\n\r\nhola\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"archivo\"; filename=\"r.png\"\r\n\
                    Content-Type: Image/PNG\r\n\r\nabc\r\n--XyZ--\r\n";
        let form = parse(&headers("multipart/form-data; boundary=XyZ"), Bytes::from(body)).await;
        let ParsedForm::Multipart(map, files) = &form else { panic!("expected multipart, got {form:?}") };
        assert_eq!(map.keys().collect::<Vec<_>>(), ["nota"]);
        let expected = Upload {
            field: "archivo".into(),
            file_name: "r.png".into(),
            content_type: Some("image/png".into()),
            size: 3,
            sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into(),
        };
        assert_eq!(files.as_slice(), std::slice::from_ref(&expected));
        assert_eq!(form.as_log_value()["archivo"], expected.describe());
    }

    #[tokio::test]
    async fn broken_json_is_a_400() {
        let form = parse(&headers("application/json"), Bytes::from("{nope")).await;
        assert!(matches!(form, ParsedForm::Invalid(400, _)));
    }
}
