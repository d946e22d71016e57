//! The tool catalogue, built once from the tool table and the routes' OpenAPI document: each
//! tool's input schema (path and query parameters, body fields, the proof and the idempotency
//! key, with the document's own schemas inlined), its scope and its annotations.

use std::sync::Arc;

use rmcp::model::{Tool, ToolAnnotations};
use serde_json::{Map, Value, json};
use shared::Scope;

use crate::tools::{PROOF_NOTE, Route, TOOLS, ToolSpec};

/// The header parameters a tool takes as arguments, by the argument's name.
pub const PROOF_ARGUMENT: &str = "verification_token";
pub const IDEMPOTENCY_ARGUMENT: &str = "idempotency_key";
const PROOF_HEADER: &str = "X-Verification-Token";
const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// One tool, ready to list and to call.
pub struct Entry {
    pub spec: &'static ToolSpec,
    pub tool: Tool,
    pub scope: Scope,
    pub bindings: Vec<Binding>,
    /// Every argument the tool takes.
    pub arguments: Vec<String>,
}

/// How a tool's arguments become one route's request.
pub struct Binding {
    pub route: &'static Route,
    pub path: Vec<String>,
    pub query: Vec<String>,
    /// Body fields, when the route takes a JSON body.
    pub body: Option<Vec<String>>,
    pub required: Vec<String>,
}

/// Every tool of the table, described from `document` (the registry's OpenAPI document as JSON).
pub fn build(document: &Value) -> Result<Vec<Entry>, String> {
    TOOLS.iter().map(|spec| entry(spec, document)).collect()
}

fn entry(spec: &'static ToolSpec, document: &Value) -> Result<Entry, String> {
    let schemas = &document["components"]["schemas"];
    let mut properties = Map::new();
    let (mut scopes, mut bindings, mut proof) = (Vec::new(), Vec::new(), false);
    for route in spec.routes {
        let operation = &document["paths"][route.path][route.method.to_lowercase()];
        if !operation.is_object() {
            return Err(format!("{}: no {} {} in the document", spec.name, route.method, route.path));
        }
        scopes.extend(operation["security"][0].as_object().into_iter().flat_map(|r| r.values()).cloned());
        let mut binding = Binding { route, path: Vec::new(), query: Vec::new(), body: None, required: Vec::new() };
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            let name = parameter["name"].as_str().unwrap_or_default().to_owned();
            let mut schema = inline(&parameter["schema"], schemas);
            describe(&mut schema, &parameter["description"]);
            match (parameter["in"].as_str(), name.as_str()) {
                (Some("header"), PROOF_HEADER) => {
                    proof = true;
                    properties.insert(PROOF_ARGUMENT.into(), json!({"type": "string",
                        "description": "The proof `meta.verification.token` of a verify_client or resolve_client of this service."}));
                }
                (Some("header"), IDEMPOTENCY_HEADER) => {
                    properties.insert(IDEMPOTENCY_ARGUMENT.into(), schema);
                }
                (Some(place @ ("path" | "query")), _) => {
                    if parameter["required"] == true {
                        binding.required.push(name.clone());
                    }
                    if place == "path" {
                        binding.path.push(name.clone())
                    } else {
                        binding.query.push(name.clone())
                    }
                    properties.insert(name, schema);
                }
                _ => {}
            }
        }
        let body = &operation["requestBody"]["content"]["application/json"]["schema"];
        if body.is_object() {
            let body = inline(body, schemas);
            let fields = body["properties"].as_object().cloned().unwrap_or_default();
            binding.required.extend(
                body["required"].as_array().into_iter().flatten().filter_map(|f| f.as_str().map(str::to_owned)),
            );
            binding.body = Some(fields.keys().cloned().collect());
            properties.extend(fields);
        }
        bindings.push(binding);
    }
    if spec.write && !properties.contains_key(IDEMPOTENCY_ARGUMENT) {
        properties.insert(IDEMPOTENCY_ARGUMENT.into(), json!({"type": "string", "minLength": 1, "maxLength": 200}));
    }
    if let Some(key) = properties.get_mut(IDEMPOTENCY_ARGUMENT) {
        describe(
            key,
            &json!(
                "Optional: the same key (e.g. the chat message id) never does the write twice. \
            Without one, the key is made from the API user, this tool and its arguments."
            ),
        );
    }
    let scope = single_scope(spec.name, &scopes)?;
    let required: Vec<String> = match bindings.as_slice() {
        [only] => only.required.clone(),
        _ => Vec::new(), // one of the selectors, checked when called
    };
    let schema =
        json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false});
    let mut description = spec.about.to_owned();
    if proof {
        description = format!("{description} {PROOF_NOTE}");
    }
    description = format!("{description} Scope: {}.", scope.as_str());
    let read_only = spec.routes.iter().all(|route| route.method == "GET");
    let annotations =
        ToolAnnotations::new().read_only(read_only).destructive(false).idempotent(read_only || spec.write);
    let Value::Object(schema) = schema else { unreachable!("built as an object") };
    let arguments = schema["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default();
    let tool = Tool::new(spec.name, description, Arc::new(schema)).with_annotations(annotations);
    Ok(Entry { spec, tool, scope, bindings, arguments })
}

/// The one scope a tool's routes ask for.
fn single_scope(tool: &str, requirements: &[Value]) -> Result<Scope, String> {
    let names: Vec<&str> =
        requirements.iter().flat_map(|r| r.as_array().into_iter().flatten()).filter_map(Value::as_str).collect();
    let first = names.first().ok_or_else(|| format!("{tool}: its route asks for no scope"))?;
    if names.iter().any(|name| name != first) {
        return Err(format!("{tool}: its routes ask for different scopes {names:?}"));
    }
    first.parse().map_err(|()| format!("{tool}: unknown scope {first}"))
}

/// `schema` with every `$ref` to the document's components replaced by the schema it names, so
/// the tool's input schema stands alone.
fn inline(schema: &Value, schemas: &Value) -> Value {
    match schema {
        Value::Object(object) => {
            if let Some(name) =
                object.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                let mut resolved = inline(&schemas[name], schemas);
                if let (Value::Object(resolved), Some(Value::String(text))) = (&mut resolved, object.get("description"))
                {
                    resolved.insert("description".into(), Value::String(text.clone()));
                }
                return resolved;
            }
            Value::Object(object.iter().map(|(key, value)| (key.clone(), inline(value, schemas))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(|item| inline(item, schemas)).collect()),
        other => other.clone(),
    }
}

/// Adds `description` to `schema` unless it has one.
fn describe(schema: &mut Value, description: &Value) {
    if let (Value::Object(schema), Value::String(text)) = (schema, description) {
        schema.entry("description").or_insert_with(|| Value::String(text.clone()));
    }
}
