//! Request-body validation against Discord's OpenAPI 3.1 description
//! (`DISCORD_OPENAPI_SPEC`, e.g. discord-api-spec/openapi.json).
//!
//! The spec is read once per process and path; one compiled `jsonschema` validator is cached
//! per operation. `$ref`s point into `#/components/schemas`, so each operation's schema is
//! compiled inside a root document that also carries the spec's `components`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};

pub struct Spec {
    components: Value,
    ops: Vec<Operation>,
    validators: Mutex<HashMap<String, Option<Arc<jsonschema::Validator>>>>,
}

struct Operation {
    method: String,
    template: String,
    segments: Vec<Option<String>>,
    json_schema: Option<Value>,
}

static SPECS: OnceLock<Mutex<HashMap<PathBuf, Arc<Spec>>>> = OnceLock::new();
static NOTICE: OnceLock<()> = OnceLock::new();

/// The spec named by `path` (loaded and parsed once per process), or `None` with one notice
/// on stderr when no path is given. In CI a missing path fails: checks must not silently not run.
pub fn load(path: Option<&Path>) -> Option<Arc<Spec>> {
    let Some(path) = path else {
        assert!(
            !crate::ci::in_ci(),
            "DISCORD_OPENAPI_SPEC must be set in CI: request bodies are checked against Discord's OpenAPI description"
        );
        NOTICE.get_or_init(|| {
            eprintln!(
                "DISCORD_OPENAPI_SPEC not set: request bodies are not checked against Discord's OpenAPI description"
            );
        });
        return None;
    };
    let specs = SPECS.get_or_init(Default::default);
    let mut specs = specs.lock().unwrap();
    if let Some(s) = specs.get(path) {
        return Some(Arc::clone(s));
    }
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("DISCORD_OPENAPI_SPEC={}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("DISCORD_OPENAPI_SPEC={}: not JSON: {e}", path.display()));
    let spec = Arc::new(Spec::from_doc(doc));
    specs.insert(path.to_path_buf(), Arc::clone(&spec));
    Some(spec)
}

impl Spec {
    fn from_doc(mut doc: Value) -> Self {
        let components = doc["components"].take();
        let mut ops = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (template, item) in paths {
                let segments: Vec<Option<String>> = template
                    .trim_start_matches('/')
                    .split('/')
                    .map(|s| {
                        if s.starts_with('{') {
                            None
                        } else {
                            Some(s.to_string())
                        }
                    })
                    .collect();
                for method in ["get", "post", "put", "patch", "delete"] {
                    let Some(op) = item.get(method) else { continue };
                    let json_schema = op
                        .pointer("/requestBody/content/application~1json/schema")
                        .cloned();
                    ops.push(Operation {
                        method: method.to_uppercase(),
                        template: template.clone(),
                        segments: segments.clone(),
                        json_schema,
                    });
                }
            }
        }
        Self {
            components,
            ops,
            validators: Mutex::new(HashMap::new()),
        }
    }

    /// The spec's path template for a concrete path (`/channels/123/messages`, without the
    /// `/api/v10` prefix): literal segments must match; the most literal template wins.
    pub fn match_path(&self, method: &str, path: &str) -> Option<String> {
        self.find(method, path).map(|op| op.template.clone())
    }

    fn find(&self, method: &str, path: &str) -> Option<&Operation> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        self.ops
            .iter()
            .filter(|op| op.method == method && op.segments.len() == parts.len())
            .filter(|op| {
                op.segments.iter().zip(&parts).all(|(seg, part)| match seg {
                    Some(lit) => lit == part,
                    None => !part.is_empty(),
                })
            })
            .max_by_key(|op| op.segments.iter().filter(|s| s.is_some()).count())
    }

    /// Validates `body` against the operation's JSON request body schema. `Ok(())` when the
    /// operation has no JSON body schema; an error when the spec has no such operation.
    pub fn validate(&self, method: &str, path: &str, body: &Value) -> Result<(), Vec<String>> {
        let Some(op) = self.find(method, path) else {
            return Err(vec![format!(
                "no operation {method} {path} in the OpenAPI description"
            )]);
        };
        let key = format!("{} {}", op.method, op.template);
        let validator = {
            let mut cache = self.validators.lock().unwrap();
            cache
                .entry(key.clone())
                .or_insert_with(|| {
                    op.json_schema.as_ref().map(|schema| {
                        let root = json!({
                            "$schema": "https://json-schema.org/draft/2020-12/schema",
                            "components": self.components,
                            "allOf": [schema],
                        });
                        let v = jsonschema::options()
                            .with_draft(jsonschema::Draft::Draft202012)
                            .should_validate_formats(false)
                            .should_ignore_unknown_formats(true)
                            .build(&root)
                            .unwrap_or_else(|e| panic!("compiling schema for {key}: {e}"));
                        Arc::new(v)
                    })
                })
                .clone()
        };
        let Some(validator) = validator else {
            return Ok(());
        };
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| {
                format!(
                    "at '{}': {}",
                    e.instance_path,
                    truncate(&e.to_string(), 300)
                )
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}
