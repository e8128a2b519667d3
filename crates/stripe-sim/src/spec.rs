//! Request validation against Stripe's OpenAPI description. The request
//! side of the spec is kept (parameters and form bodies), with `$ref`s
//! inlined; of the response side only property names are kept, so the
//! loaded form stays small.

use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// Why a request's parameters were refused; rendered as a 400.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub code: Option<&'static str>,
    pub param: String,
    pub message: String,
}

impl Violation {
    fn new(code: Option<&'static str>, param: &str, message: String) -> Self {
        Violation {
            code,
            param: param.to_string(),
            message,
        }
    }
    fn unknown(param: &str) -> Self {
        Self::new(
            Some("parameter_unknown"),
            param,
            format!("Received unknown parameter: {param}"),
        )
    }
    fn missing(param: &str) -> Self {
        Self::new(
            Some("parameter_missing"),
            param,
            format!("Missing required param: {param}."),
        )
    }
    fn empty(param: &str) -> Self {
        Self::new(
            Some("parameter_invalid_empty"),
            param,
            format!(
                "You passed an empty string for '{param}'. We assume empty values are an attempt to unset a parameter; however '{param}' cannot be unset. You should remove '{param}' from your request or supply a non-empty value."
            ),
        )
    }
}

struct Param {
    name: String,
    required: bool,
    schema: Value,
}

/// One operation (path template + method).
pub struct Op {
    query: Vec<Param>,
    body: Option<Value>,
    /// The 200 answer's shape.
    response: Vec<Shape>,
}

/// Where a response property leads: a named schema (`customer`), or an
/// inline object's property names. Arrays are looked through.
enum Shape {
    Named(String),
    Inline(HashMap<String, Vec<Shape>>),
}

fn shape_of(schema: &Value) -> Vec<Shape> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return match r.strip_prefix("#/components/schemas/") {
            Some(name) => vec![Shape::Named(name.to_string())],
            None => Vec::new(),
        };
    }
    let mut out = Vec::new();
    for key in ["anyOf", "oneOf", "allOf"] {
        for s in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.extend(shape_of(s));
        }
    }
    if let Some(items) = schema.get("items") {
        out.extend(shape_of(items));
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        out.push(Shape::Inline(
            props
                .iter()
                .map(|(k, v)| (k.clone(), shape_of(v)))
                .collect(),
        ));
    }
    out
}

struct Template {
    /// As written in the description, e.g. `/v1/customers/{customer}`.
    path: String,
    segs: Vec<Option<String>>,
    ops: HashMap<String, Op>,
}

pub struct Spec {
    templates: Vec<Template>,
    /// `components.schemas`, as shapes (property names only).
    components: HashMap<String, Vec<Shape>>,
}

fn resolve(v: &Value, root: &Value, depth: usize) -> Value {
    if depth > 40 {
        // Recursive schemas: stop inlining; an empty schema accepts anything.
        return Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                let target = r
                    .strip_prefix('#')
                    .and_then(|p| root.pointer(p))
                    .cloned()
                    .unwrap_or(Value::Object(Map::new()));
                return resolve(&target, root, depth + 1);
            }
            Value::Object(
                m.iter()
                    // Doc text is dropped; a *property* named description is kept.
                    .filter(|(k, v)| !(k.as_str() == "description" && v.is_string()))
                    .map(|(k, v)| (k.clone(), resolve(v, root, depth + 1)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|x| resolve(x, root, depth + 1)).collect())
        }
        other => other.clone(),
    }
}

/// The copy of Stripe's OpenAPI description this repository carries (see
/// `crates/stripe-sim/openapi/README.md`); embedded so that every simulator,
/// wherever it runs from, validates against it.
pub const BUNDLED_SPEC_FILE: &str = "spec3.v1.2026-05-27.dahlia.json.gz";
static BUNDLED_SPEC: &[u8] = include_bytes!("../openapi/spec3.v1.2026-05-27.dahlia.json.gz");

/// Which OpenAPI description a simulator checks requests against. There is
/// no "none": a simulator that does not validate would let tests pass that
/// real Stripe fails.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum SpecSource {
    /// The copy embedded from `crates/stripe-sim/openapi/`.
    #[default]
    Bundled,
    /// Another (possibly gzipped) OpenAPI JSON file, e.g. a newer version.
    File(PathBuf),
}

impl Spec {
    /// Loads and parses the description. Parsed specs are cached per source
    /// for the life of the process, since many tests start simulators.
    pub fn load(source: &SpecSource) -> std::io::Result<Arc<Spec>> {
        static CACHE: OnceLock<Mutex<HashMap<SpecSource, Arc<Spec>>>> = OnceLock::new();
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        if let Some(s) = cache.lock().unwrap().get(source) {
            return Ok(s.clone());
        }
        let spec = Arc::new(match source {
            SpecSource::Bundled => Spec::parse(BUNDLED_SPEC)?,
            SpecSource::File(path) => {
                let raw = std::fs::read(path).map_err(|e| {
                    std::io::Error::new(
                        e.kind(),
                        format!(
                            "cannot read the OpenAPI description {}: {e}",
                            path.display()
                        ),
                    )
                })?;
                Spec::parse(&raw).map_err(|e| {
                    std::io::Error::new(
                        e.kind(),
                        format!("{} is not an OpenAPI description: {e}", path.display()),
                    )
                })?
            }
        });
        cache.lock().unwrap().insert(source.clone(), spec.clone());
        Ok(spec)
    }

    /// Parses OpenAPI JSON, gzipped or not.
    fn parse(raw: &[u8]) -> std::io::Result<Spec> {
        let text = if raw.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::with_capacity(raw.len() * 6);
            flate2::read::GzDecoder::new(raw).read_to_end(&mut out)?;
            out
        } else {
            raw.to_vec()
        };
        let root: Value = serde_json::from_slice(&text)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        Spec::from_value(&root)
    }

    fn from_value(root: &Value) -> std::io::Result<Spec> {
        let paths = root
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, "spec has no paths")
            })?;
        let mut templates = Vec::new();
        for (path, item) in paths {
            let segs = path
                .trim_start_matches('/')
                .split('/')
                .map(|s| {
                    if s.starts_with('{') && s.ends_with('}') {
                        None
                    } else {
                        Some(s.to_string())
                    }
                })
                .collect();
            let mut ops = HashMap::new();
            for method in ["get", "post", "delete"] {
                let Some(op) = item.get(method) else { continue };
                let query = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .map(|ps| {
                        ps.iter()
                            .map(|p| resolve(p, root, 0))
                            .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
                            .map(|p| Param {
                                name: p["name"].as_str().unwrap_or_default().to_string(),
                                required: p["required"].as_bool().unwrap_or(false),
                                schema: p.get("schema").cloned().unwrap_or(Value::Null),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let body = op
                    .pointer("/requestBody/content/application~1x-www-form-urlencoded/schema")
                    .map(|s| resolve(s, root, 0));
                let response = op
                    .pointer("/responses/200/content/application~1json/schema")
                    .map(shape_of)
                    .unwrap_or_default();
                ops.insert(
                    method.to_string(),
                    Op {
                        query,
                        body,
                        response,
                    },
                );
            }
            templates.push(Template {
                path: path.clone(),
                segs,
                ops,
            });
        }
        let components = root
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), shape_of(v))).collect())
            .unwrap_or_default();
        Ok(Spec {
            templates,
            components,
        })
    }

    /// The operation for a concrete path; literal segments win over templated
    /// ones (`/v1/customers/search` before `/v1/customers/{customer}`).
    pub fn find(&self, method: &str, path: &str) -> Option<&Op> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let method = method.to_ascii_lowercase();
        self.templates
            .iter()
            .filter(|t| {
                t.segs.len() == parts.len()
                    && t.segs
                        .iter()
                        .zip(&parts)
                        .all(|(s, p)| s.as_deref().is_none_or(|lit| lit == *p))
            })
            .max_by_key(|t| t.segs.iter().filter(|s| s.is_some()).count())
            .and_then(|t| t.ops.get(&method))
    }
}

impl Spec {
    /// Every operation as `METHOD /path/{param}`, sorted.
    pub fn operations(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .templates
            .iter()
            .flat_map(|t| {
                t.ops
                    .keys()
                    .map(move |m| format!("{} {}", m.to_ascii_uppercase(), t.path))
            })
            .collect();
        out.sort();
        out
    }

    /// Whether a dotted path (`address.country`, `data.email`,
    /// `items.data.price.unit_amount`) exists in the operation's 200 answer.
    /// Arrays are looked through; expandable fields follow every form they
    /// may take.
    pub fn response_has(&self, op: &Op, path: &str) -> bool {
        let mut here: Vec<&Shape> = op.response.iter().collect();
        for seg in path.split('.') {
            let mut next = Vec::new();
            let mut found = false;
            for props in self.objects(&here) {
                if let Some(children) = props.get(seg) {
                    found = true;
                    next.extend(children.iter());
                }
            }
            if !found {
                return false;
            }
            here = next;
        }
        true
    }

    /// The property maps a set of shapes stands for, named ones looked up.
    fn objects<'a>(&'a self, shapes: &[&'a Shape]) -> Vec<&'a HashMap<String, Vec<Shape>>> {
        let mut out = Vec::new();
        let mut todo: Vec<&Shape> = shapes.to_vec();
        let mut seen = std::collections::HashSet::new();
        while let Some(shape) = todo.pop() {
            match shape {
                Shape::Inline(props) => out.push(props),
                Shape::Named(name) => {
                    if seen.insert(name.as_str()) {
                        todo.extend(self.components.get(name).into_iter().flatten());
                    }
                }
            }
        }
        out
    }
}

impl Op {
    /// Whether the form body takes this top-level parameter (`metadata`).
    pub fn body_takes(&self, name: &str) -> bool {
        self.body
            .as_ref()
            .and_then(|b| b.get("properties"))
            .and_then(Value::as_object)
            .is_some_and(|p| p.contains_key(name))
    }

    /// Whether the query takes this parameter (a list's `created`).
    pub fn query_takes(&self, name: &str) -> bool {
        self.query.iter().any(|p| p.name == name)
    }

    /// The query parameters a request must carry (`subscription` for a
    /// subscription's items).
    pub fn required_query(&self) -> Vec<&str> {
        self.query
            .iter()
            .filter(|p| p.required)
            .map(|p| p.name.as_str())
            .collect()
    }

    /// Checks decoded parameters. POST reads the form-body schema; GET and
    /// DELETE read the query parameters (DELETE may also carry body params).
    pub fn validate(&self, method: &str, params: &Value) -> Result<(), Violation> {
        let empty = Map::new();
        let given = params.as_object().unwrap_or(&empty);
        if method.eq_ignore_ascii_case("POST") {
            let schema = self
                .body
                .clone()
                .unwrap_or_else(|| serde_json::json!({"type": "object", "properties": {}}));
            return check_object(given, &schema, "", true);
        }
        let body_props = self
            .body
            .as_ref()
            .and_then(|b| b.get("properties"))
            .and_then(Value::as_object);
        for key in given.keys() {
            let known = self.query.iter().any(|p| &p.name == key)
                || body_props.is_some_and(|b| b.contains_key(key));
            if !known {
                return Err(Violation::unknown(key));
            }
        }
        for p in &self.query {
            if p.required && !given.contains_key(&p.name) {
                return Err(Violation::missing(&p.name));
            }
        }
        for (key, value) in given {
            let schema = match self.query.iter().find(|p| &p.name == key) {
                Some(p) => &p.schema,
                None => &body_props.expect("checked above")[key],
            };
            check(value, schema, key)?;
        }
        Ok(())
    }
}

fn child_name(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}[{key}]")
    }
}

fn type_of(schema: &Value) -> Option<&str> {
    schema.get("type").and_then(Value::as_str)
}

/// Validates an object's keys against `properties` / `additionalProperties` /
/// `required`. At the top level unknown keys are always refused.
fn check_object(
    given: &Map<String, Value>,
    schema: &Value,
    name: &str,
    top: bool,
) -> Result<(), Violation> {
    let props = schema.get("properties").and_then(Value::as_object);
    let additional = schema.get("additionalProperties");
    let free_form = !top && props.is_none_or(|p| p.is_empty()) && additional.is_none();
    // Unknown keys first: Stripe reports them before anything else.
    for key in given.keys() {
        let known = props.is_some_and(|p| p.contains_key(key))
            || matches!(additional, Some(Value::Object(_)) | Some(Value::Bool(true)))
            || free_form;
        if !known {
            return Err(Violation::unknown(&child_name(name, key)));
        }
    }
    if let Some(req) = schema.get("required").and_then(Value::as_array) {
        for r in req.iter().filter_map(Value::as_str) {
            if !given.contains_key(r) {
                return Err(Violation::missing(&child_name(name, r)));
            }
        }
    }
    for (key, value) in given {
        let sub = props
            .and_then(|p| p.get(key))
            .or(additional.filter(|a| a.is_object()));
        if let Some(sub) = sub {
            check(value, sub, &child_name(name, key))?;
        }
    }
    Ok(())
}

fn kind_matches(value: &Value, schema: &Value) -> bool {
    match (value, type_of(schema)) {
        (Value::Object(_), Some("object")) | (Value::Array(_), Some("array")) => true,
        (Value::Array(_), Some("object")) => true,
        (Value::String(s), Some(t)) => {
            t != "object" && t != "array" && !(s.is_empty() && schema.get("enum").is_some())
        }
        _ => false,
    }
}

fn check(value: &Value, schema: &Value, name: &str) -> Result<(), Violation> {
    if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
        let mut errors = Vec::new();
        for b in branches {
            match check(value, b, name) {
                Ok(()) => return Ok(()),
                Err(e) => errors.push((b, e)),
            }
        }
        if value.as_str() == Some("") {
            return Err(Violation::empty(name));
        }
        // Report the error of the branch shaped like the value that was sent.
        let pick = errors
            .iter()
            .position(|(b, _)| kind_matches(value, b))
            .unwrap_or(0);
        return match errors.into_iter().nth(pick) {
            Some((_, e)) => Err(e),
            None => Ok(()),
        };
    }
    let ty = type_of(schema);
    match value {
        Value::String(s) => check_scalar(s, schema, ty, name),
        Value::Object(m) => match ty {
            Some("object") | None => check_object(m, schema, name, false),
            Some("array") => Err(Violation::new(None, name, "Invalid array".into())),
            Some("integer") => Err(Violation::new(
                Some("parameter_invalid_integer"),
                name,
                "Invalid integer: {...}".into(),
            )),
            Some(other) => Err(Violation::new(
                None,
                name,
                format!("Invalid {other}: {{...}}"),
            )),
        },
        Value::Array(items) => match ty {
            Some("array") | None => {
                let item_schema = schema.get("items").cloned().unwrap_or(Value::Null);
                for (i, item) in items.iter().enumerate() {
                    check(item, &item_schema, &format!("{name}[{i}]"))?;
                }
                Ok(())
            }
            Some("object") => {
                // Numeric keys (`metadata[0]=x`) decode as an array; accept them
                // where the object takes arbitrary keys.
                let map = crate::form::as_object_lenient(value).unwrap_or_default();
                check_object(&map, schema, name, false)
            }
            Some("integer") => Err(Violation::new(
                Some("parameter_invalid_integer"),
                name,
                "Invalid integer: [...]".into(),
            )),
            Some(other) => Err(Violation::new(
                None,
                name,
                format!("Invalid {other}: [...]"),
            )),
        },
        _ => Ok(()),
    }
}

fn check_scalar(s: &str, schema: &Value, ty: Option<&str>, name: &str) -> Result<(), Violation> {
    let enumeration = schema.get("enum").and_then(Value::as_array);
    let bypass = schema
        .get("x-stripeBypassValidation")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if s.is_empty() {
        return match (ty, enumeration) {
            (_, Some(e)) if e.iter().any(|x| x.as_str() == Some("")) => Ok(()),
            (_, Some(_)) => Err(Violation::empty(name)),
            // Stripe lets plain strings be blanked (e.g. description=).
            (Some("string") | None, None) => Ok(()),
            _ => Err(Violation::empty(name)),
        };
    }
    match ty {
        Some("integer") if s.parse::<i64>().is_err() => {
            return Err(Violation::new(
                Some("parameter_invalid_integer"),
                name,
                format!("Invalid integer: {s}"),
            ));
        }
        Some("number") if s.parse::<f64>().is_err() => {
            return Err(Violation::new(None, name, format!("Invalid decimal: {s}")));
        }
        Some("boolean") if s != "true" && s != "false" => {
            return Err(Violation::new(None, name, format!("Invalid boolean: {s}")));
        }
        Some("array") => return Err(Violation::new(None, name, "Invalid array".into())),
        Some("object") => return Err(Violation::new(None, name, "Invalid hash".into())),
        _ => {}
    }
    if let Some(e) = enumeration {
        if !bypass && !e.iter().any(|x| x.as_str() == Some(s)) {
            let names: Vec<&str> = e
                .iter()
                .filter_map(Value::as_str)
                .filter(|x| !x.is_empty())
                .collect();
            let list = match names.len() {
                0 => String::new(),
                1 => names[0].to_string(),
                n => format!("{}, or {}", names[..n - 1].join(", "), names[n - 1]),
            };
            return Err(Violation::new(
                None,
                name,
                format!("Invalid {name}: must be one of {list}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Spec {
        Spec::from_value(&json!({
            "paths": {
                "/v1/things": {
                    "get": {"parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                        {"name": "created", "in": "query", "schema": {"anyOf": [
                            {"type": "object", "properties": {"gt": {"type": "integer"}}},
                            {"type": "integer"}]}}
                    ]},
                    "post": {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                        "type": "object", "required": ["name"],
                        "properties": {
                            "name": {"type": "string"},
                            "metadata": {"anyOf": [
                                {"type": "object", "additionalProperties": {"type": "string"}},
                                {"type": "string", "enum": [""]}]},
                            "items": {"type": "array", "items": {"$ref": "#/components/schemas/item"}},
                            "flag": {"type": "boolean"}
                        }}}}}}
                },
                "/v1/things/{id}": {"get": {"parameters": []}},
                "/v1/things/search": {"get": {"parameters": [
                    {"name": "query", "in": "query", "required": true, "schema": {"type": "string"}}]}}
            },
            "components": {"schemas": {"item": {"type": "object", "properties": {
                "price": {"type": "string"}, "quantity": {"type": "integer"},
                "interval": {"type": "string", "enum": ["day", "month"]}}}}}
        }))
        .unwrap()
    }

    fn post(params: Value) -> Result<(), Violation> {
        spec()
            .find("POST", "/v1/things")
            .unwrap()
            .validate("POST", &params)
    }

    #[test]
    fn body_rules() {
        assert!(post(json!({"name": "x", "metadata": {"a": "b"}})).is_ok());
        assert!(post(json!({"name": "x", "metadata": ""})).is_ok());
        assert_eq!(
            post(json!({"name": "x", "foo": "1"})).unwrap_err().param,
            "foo"
        );
        assert_eq!(post(json!({})).unwrap_err().code, Some("parameter_missing"));
        let e = post(json!({"name": "x", "items": [{"quantity": "two"}]})).unwrap_err();
        assert_eq!(e.param, "items[0][quantity]");
        assert_eq!(e.code, Some("parameter_invalid_integer"));
        let e = post(json!({"name": "x", "items": [{"bogus": "1"}]})).unwrap_err();
        assert_eq!(e.param, "items[0][bogus]");
        let e = post(json!({"name": "x", "items": [{"interval": "fortnight"}]})).unwrap_err();
        assert_eq!(e.param, "items[0][interval]");
        let e = post(json!({"name": "x", "flag": ""})).unwrap_err();
        assert_eq!(e.code, Some("parameter_invalid_empty"));
        assert!(post(json!({"name": "x", "flag": "maybe"})).is_err());
    }

    #[test]
    fn query_rules_and_template_choice() {
        let s = spec();
        let get = s.find("GET", "/v1/things").unwrap();
        assert!(get
            .validate("GET", &json!({"created": {"gt": "5"}}))
            .is_ok());
        assert!(get.validate("GET", &json!({"created": "5"})).is_ok());
        let e = get
            .validate("GET", &json!({"created": {"gt": "x"}}))
            .unwrap_err();
        assert_eq!(e.param, "created[gt]");
        let search = s.find("GET", "/v1/things/search").unwrap();
        assert_eq!(
            search.validate("GET", &json!({})).unwrap_err().param,
            "query"
        );
        assert!(s.find("GET", "/v1/things/thing_1").is_some());
        assert!(s.find("DELETE", "/v1/things/thing_1").is_none());
    }
}
