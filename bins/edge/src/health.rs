//! `/healthz` (the process answers), `/readyz` (its dependencies answer) and `/metrics`.

use std::{future::Future, pin::Pin, sync::Arc};

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde_json::{Map, Value, json};

use crate::AppState;

type ProbeFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// A named readiness check, e.g. "mysql" → `SELECT 1`.
#[derive(Clone)]
pub struct Probe {
    pub name: &'static str,
    pub check: Arc<dyn Fn() -> ProbeFuture + Send + Sync>,
}

impl Probe {
    pub fn new<F, Fut>(name: &'static str, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        Self {
            name,
            check: Arc::new(move || Box::pin(check())),
        }
    }

    /// Ready while the connection to NATS is up.
    pub fn nats(client: async_nats::Client) -> Self {
        Self::new("nats", move || {
            let state = client.connection_state();
            async move {
                match state {
                    async_nats::connection::State::Connected => Ok(()),
                    other => Err(format!("{other:?}").to_lowercase()),
                }
            }
        })
    }
}

pub async fn healthz() -> Json<Value> {
    Json(json!({"status_code": 0, "status_msg": "alive"}))
}

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let checks = state.probes.iter().map(|probe| {
        let check = (probe.check)();
        async move {
            let result = tokio::time::timeout(std::time::Duration::from_secs(2), check).await;
            let outcome = result.unwrap_or_else(|_| Err("timed out".into()));
            (probe.name, outcome)
        }
    });
    let results = futures::future::join_all(checks).await;
    let ready = results.iter().all(|(_, outcome)| outcome.is_ok());
    let detail: Map<String, Value> = results
        .into_iter()
        .map(|(name, outcome)| {
            let text = outcome.map_or_else(|err| format!("error: {err}"), |()| "ok".into());
            (name.to_owned(), Value::String(text))
        })
        .collect();
    let (status, code, message) = if ready {
        (StatusCode::OK, 0, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, 503, "not ready")
    };
    let body = json!({"status_code": code, "status_msg": message, "checks": detail});
    (status, Json(body))
}

pub async fn metrics(State(state): State<AppState>) -> String {
    state.telemetry.metrics.render()
}
