use serde::Deserialize;
use serde_json::json;

use super::*;

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Body {
    name: String,
    count: Option<u8>,
    kind: Option<Kind>,
    nested: Option<Nested>,
    #[serde(default)]
    price: Option<Price>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Pppoe,
    Queue,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Nested {
    id: i64,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
#[allow(dead_code)]
enum Price {
    Number(f64),
    Text(String),
}

fn message(error: ApiError) -> String {
    match error {
        ApiError::Validation(problems) => {
            problems.iter().map(|p| format!("{}: {}", p.field, p.problem)).collect::<Vec<_>>().join("; ")
        }
        other => panic!("not a validation error: {other:?}"),
    }
}

fn json_problem(body: serde_json::Value) -> String {
    message(parse_json::<Body>(body.to_string().as_bytes()).unwrap_err())
}

#[test]
fn serde_messages_become_spanish_problems_naming_the_field() {
    let cases = [
        (json!({}), "name: es obligatorio"),
        (json!({"name": ["x"]}), "name: debe ser texto"),
        (json!({"name": "x", "count": "4"}), "count: debe ser un número entero"),
        (json!({"name": "x", "count": 300}), "count: está fuera de rango"),
        (json!({"name": "x", "count": -1}), "count: debe ser un número entero no negativo"),
        (json!({"name": "x", "kind": "pcq"}), "kind: debe ser uno de: pppoe, queue"),
        (json!({"name": "x", "nested": {}}), "nested.id: es obligatorio"),
        (json!({"name": "x", "nested": {"id": true}}), "nested.id: debe ser un número entero"),
        (json!({"name": "x", "price": [1]}), "price: tiene un formato inválido"),
    ];
    for (body, expected) in cases {
        let problem = json_problem(body.clone());
        assert_eq!(problem, expected, "{body}");
        assert!(!problem.contains("untagged") && !problem.contains("invalid"), "{problem}");
    }
}

#[test]
fn form_and_query_problems_name_the_parameter() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Paging {
        q: String,
        limit: Option<u32>,
    }
    let problem = |raw: &str| message(parse_form::<Paging>(raw.as_bytes()).unwrap_err());
    assert_eq!(problem("limit=5"), "q: es obligatorio");
    assert_eq!(problem("q=abc&limit=abc"), "limit: debe ser un número entero");
    assert_eq!(problem("q=abc&limit=99999999999"), "limit: está fuera de rango");
}

#[test]
fn spanish_custom_messages_pass_and_unknown_english_does_not() {
    assert_eq!(spanish_problem("debe ser un número entero").1, "debe ser un número entero");
    assert_eq!(spanish_problem("something went wrong in Foo<Bar>").1, "valor inválido");
}

#[test]
fn media_types_are_read_by_their_essence() {
    let of = |value: &str| {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
        MediaType::of(&headers)
    };
    assert_eq!(MediaType::of(&HeaderMap::new()), MediaType::Absent);
    assert_eq!(of("application/json"), MediaType::Json);
    assert_eq!(of("Application/JSON; charset=utf-8"), MediaType::Json);
    assert_eq!(of("application/merge-patch+json"), MediaType::Json);
    assert_eq!(of("application/x-www-form-urlencoded"), MediaType::Form);
    assert_eq!(of("multipart/form-data; boundary=x"), MediaType::Multipart);
    for other in ["text/plain", "multipart/mixed; boundary=x", "application/+json", "json", ""] {
        assert_eq!(of(other), MediaType::Other, "{other}");
    }
}

mod bodies_and_paths {
    use axum::Router;
    use axum::body::Body;
    use axum::routing::{get, post};
    use http_body_util::BodyExt;
    use serde::Deserialize;
    use tower::ServiceExt;

    use super::super::*;
    use crate::ids::{Document, ServiceId, TaskRef};

    #[derive(Debug, Deserialize)]
    struct Login {
        username: String,
    }

    /// Status and envelope message (or the handler's text) of one request through `app`.
    async fn answer(app: Router, request: Request) -> (StatusCode, String) {
        let response = app.oneshot(request).await.expect("infallible");
        let status = response.status();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_owned));
        (status, message.unwrap_or(text))
    }

    fn post_with(content_type: Option<&str>, body: &str) -> Request {
        let mut builder = Request::post("/");
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        builder.body(Body::from(body.to_owned())).expect("request")
    }

    #[tokio::test]
    async fn a_form_route_reads_an_untyped_body_as_a_form_and_refuses_json() {
        let app = || Router::new().route("/", post(|Form(login): Form<Login>| async move { login.username }));

        assert_eq!(answer(app(), post_with(None, "username=bot")).await, (StatusCode::OK, "bot".into()));
        let typed = post_with(Some("application/x-www-form-urlencoded"), "username=b%C3%B3t");
        assert_eq!(answer(app(), typed).await, (StatusCode::OK, "bót".into()));
        let (status, message) = answer(app(), post_with(Some("application/json"), r#"{"username":"bot"}"#)).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(message.ends_with("como application/x-www-form-urlencoded."), "{message}");
        let missing = answer(app(), post_with(None, "user=bot")).await;
        assert_eq!(missing, (StatusCode::UNPROCESSABLE_ENTITY, "Error de validación: username: es obligatorio".into()));
    }

    #[tokio::test]
    async fn a_form_or_json_route_reads_json_only_when_declared_and_names_both_in_its_415() {
        let app =
            || Router::new().route("/", post(|FormOrJson(login): FormOrJson<Login>| async move { login.username }));

        assert_eq!(answer(app(), post_with(None, "username=bot")).await.1, "bot");
        assert_eq!(answer(app(), post_with(Some("application/json"), r#"{"username":"js"}"#)).await.1, "js");
        let untyped_json = answer(app(), post_with(None, r#"{"username":"js"}"#)).await;
        assert_eq!(untyped_json.0, StatusCode::UNPROCESSABLE_ENTITY, "no type is a form, never guessed JSON");
        let (status, message) = answer(app(), post_with(Some("text/plain"), "username=bot")).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(
            message,
            "Tipo de contenido no admitido: envíe el cuerpo como application/x-www-form-urlencoded o application/json."
        );
    }

    #[tokio::test]
    async fn a_path_id_is_parsed_once_and_a_bad_one_is_a_422_naming_it() {
        let app = || {
            Router::new()
                .route("/clients/{service_id}", get(|Path(id): Path<ServiceId>| async move { id.to_string() }))
                .route("/docs/{document}", get(|Path(d): Path<Document>| async move { d.as_str().to_owned() }))
                .route("/ping/{task_id}", get(|Path(TaskRef(t)): Path<TaskRef>| async move { format!("{t:?}") }))
        };
        let get = |uri: &str| Request::get(uri).body(Body::empty()).expect("request");

        assert_eq!(answer(app(), get("/clients/1001")).await, (StatusCode::OK, "1001".into()));
        for (uri, problem) in [
            ("/clients/0", "service_id: debe ser un entero positivo"),
            ("/clients/-1", "service_id: debe ser un entero positivo"),
            ("/clients/diez", "service_id: debe ser un número entero"),
            ("/docs/.-.", "document: no contiene dígitos ni letras"),
            ("/docs/%FF", "document: no es UTF-8 válido"),
        ] {
            let (status, message) = answer(app(), get(uri)).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
            assert_eq!(message, format!("Error de validación: {problem}"), "{uri}");
        }
        assert_eq!(answer(app(), get("/docs/1.023-456")).await.1, "1023456");
        assert_eq!(answer(app(), get("/ping/nope")).await, (StatusCode::OK, "None".into()));
    }
}
