//! Stripe's error body: `{"error": {type, code, param, message, ...}}`.

use serde_json::{json, Map, Value};

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub kind: &'static str,
    pub code: Option<String>,
    pub param: Option<String>,
    pub message: String,
    pub headers: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(status: u16, kind: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            code: None,
            param: None,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// A 400 `invalid_request_error` about one parameter.
    pub fn invalid(code: Option<&str>, param: &str, message: impl Into<String>) -> Self {
        ApiError::new(400, "invalid_request_error", message)
            .with_code(code)
            .with_param(param)
    }

    pub fn with_code(mut self, code: Option<&str>) -> Self {
        self.code = code.map(str::to_string);
        self
    }

    pub fn with_param(mut self, param: &str) -> Self {
        self.param = Some(param.to_string());
        self
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// 404 for an object id that doesn't exist.
    pub fn missing(noun: &str, id: &str, param: &str) -> Self {
        ApiError::new(
            404,
            "invalid_request_error",
            format!("No such {noun}: '{id}'"),
        )
        .with_code(Some("resource_missing"))
        .with_param(param)
    }

    pub fn body(&self) -> Value {
        let mut e = Map::new();
        if let Some(c) = &self.code {
            e.insert("code".into(), json!(c));
            e.insert(
                "doc_url".into(),
                json!(format!(
                    "https://stripe.com/docs/error-codes/{}",
                    c.replace('_', "-")
                )),
            );
        }
        e.insert("message".into(), json!(self.message));
        if let Some(p) = &self.param {
            e.insert("param".into(), json!(p));
        }
        e.insert("type".into(), json!(self.kind));
        json!({ "error": e })
    }
}
