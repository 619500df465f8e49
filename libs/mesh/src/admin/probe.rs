//! Readiness: named checks of what a process depends on (NATS, MySQL, Redis, a persister),
//! run together with a time-out each, answered as `/readyz` — 200 when all pass, else 503
//! with every check's result, so an operator sees which dependency is the matter.

use std::{future::Future, pin::Pin, sync::Arc, time::Duration};

use axum::{Json, http::StatusCode, response::IntoResponse};
use fred::prelude::ClientLike;
use serde_json::{Map, Value, json};

use crate::persister::Health;

/// A check slower than this counts as failed: a hung dependency must not hang the probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

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

    /// Ready while MySQL answers `SELECT 1` on `pool`.
    pub fn mysql(pool: sqlx::MySqlPool) -> Self {
        Self::new("mysql", move || {
            let pool = pool.clone();
            async move {
                sqlx::query("SELECT 1")
                    .execute(&pool)
                    .await
                    .map(drop)
                    .map_err(|err| err.to_string())
            }
        })
    }

    /// Ready while Redis answers `PING`.
    pub fn redis(client: fred::prelude::Client) -> Self {
        Self::new("redis", move || {
            let client = client.clone();
            async move {
                client
                    .ping::<String>(None)
                    .await
                    .map(drop)
                    .map_err(|err| err.to_string())
            }
        })
    }

    /// Not ready while a persister is not consuming: writes would still be acknowledged, but
    /// nothing would reach MySQL until it recovers.
    pub fn persister(name: &'static str, health: Health) -> Self {
        Self::new(name, move || std::future::ready(health.check()))
    }
}

/// Runs every probe at once and answers `/readyz`'s status and JSON body.
pub async fn readiness(probes: &[Probe]) -> impl IntoResponse + use<> {
    let checks = probes.iter().map(|probe| {
        let check = (probe.check)();
        async move {
            let result = tokio::time::timeout(PROBE_TIMEOUT, check).await;
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

/// `/healthz`: the process answers; it checks nothing else (that is `/readyz`).
pub async fn liveness() -> Json<Value> {
    Json(json!({"status_code": 0, "status_msg": "alive"}))
}
