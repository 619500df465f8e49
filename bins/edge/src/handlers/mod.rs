//! One file per route of the app's API.

pub mod login;
pub mod register;
pub mod user_info;

use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};

/// A success body: `status_code` 0, `status_msg`, and the route's own fields.
pub fn ok<T: Serialize>(fields: T) -> Json<Value> {
    let mut body = match serde_json::to_value(fields) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    body.insert("status_code".into(), Value::from(0));
    body.insert("status_msg".into(), Value::from("ok"));
    Json(Value::Object(body))
}
