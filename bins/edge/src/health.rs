//! `/healthz` (the process answers), `/readyz` (its dependencies answer) and `/metrics`: the
//! probes and the renderer every process shares (`mesh::admin`), over the edge's state.

use axum::{Json, extract::State, response::IntoResponse};
use serde_json::Value;

use crate::AppState;

pub use mesh::admin::Probe;

pub async fn healthz() -> Json<Value> {
    mesh::admin::liveness().await
}

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    mesh::admin::readiness(&state.probes).await
}

pub async fn metrics(State(state): State<AppState>) -> String {
    state.scrape.render()
}
