//! The edge: the only HTTP entry. It speaks the app's REST API (API.md), authenticates, and
//! turns each call into a constant number of NATS requests to the domain workers.

mod assets;
mod auth;
mod client_ip;
mod compose;
mod docs;
pub mod error;
mod handlers;
pub mod health;
mod media;
mod observe;
pub mod params;
mod upload;
mod upload_gate;
pub mod views;

use std::sync::Arc;

use axum::{Router, extract::DefaultBodyLimit, routing::get};
use mesh::Caller;
use objects::ObjectStore;
use settings::Settings;

pub use health::Probe;

use crate::{auth::Verifier, error::ApiError, params::Params};

/// What every handler can reach; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub caller: Caller,
    verifier: Arc<Verifier>,
    probes: Arc<Vec<Probe>>,
    telemetry: telemetry::Telemetry,
    public_base_url: Arc<str>,
    media_base_url: Arc<str>,
    store: Arc<dyn ObjectStore>,
    max_upload_bytes: u64,
    unchecked_uploads: upload_gate::UncheckedUploads,
}

impl AppState {
    /// `probes` are checked by `/readyz` besides the NATS connection.
    pub fn new(
        settings: &Settings,
        nats: async_nats::Client,
        store: Arc<dyn ObjectStore>,
        telemetry: telemetry::Telemetry,
        mut probes: Vec<Probe>,
    ) -> Self {
        let caller = Caller::from_settings(nats.clone(), settings);
        probes.insert(0, Probe::nats(nats));
        Self {
            verifier: Arc::new(Verifier::new(caller.clone())),
            caller,
            probes: Arc::new(probes),
            telemetry,
            public_base_url: settings.edge.public_base_url.as_str().into(),
            media_base_url: settings.media_base_url().into(),
            store,
            max_upload_bytes: settings.media.max_upload_bytes,
            unchecked_uploads: upload_gate::UncheckedUploads::new(
                settings.media.max_unchecked_uploads_per_ip,
            ),
        }
    }

    /// The signed-in user; 401 without a valid token.
    pub async fn signed_in(&self, params: &Params) -> Result<i64, ApiError> {
        self.viewer(params)
            .await?
            .ok_or_else(|| ApiError::unauthorized("log in first"))
    }

    /// The user `token` was issued to; 401 unless it is valid.
    pub async fn verify(&self, token: &str) -> Result<i64, ApiError> {
        self.verifier.verify(token).await
    }

    /// The signed-in user, if the request carries a token; a bad token is a 401, not anonymous.
    pub async fn viewer(&self, params: &Params) -> Result<Option<i64>, ApiError> {
        match params.token() {
            Some(token) => self.verifier.verify(token).await.map(Some),
            None => Ok(None),
        }
    }
}

/// The whole HTTP surface. Every API route answers with and without its trailing slash;
/// the API routes and their description come from [`docs::api`].
pub fn router(state: AppState, settings: &Settings) -> Router {
    // Uploads get their own limit: the cap plus room for the other multipart fields (the
    // cap itself is enforced, with a clear 413, as the file streams in).
    let upload_limit =
        DefaultBodyLimit::max((settings.media.max_upload_bytes as usize).saturating_add(1 << 20));
    let (api, doc) = docs::api(upload_limit);
    let router = api.merge(docs::ui(doc));
    router
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/static/{file}", get(assets::serve))
        .route("/media/{*key}", get(media::serve))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(settings.edge.body_limit_bytes))
        .layer(axum::middleware::from_fn(observe::observe))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` fires, then finishes open requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: mesh::Shutdown,
) -> std::io::Result<()> {
    tracing::info!(addr = ?listener.local_addr().ok(), "edge listening");
    // Connect info gives handlers the client's address (per-IP limits).
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(async move { shutdown.wait().await })
        .await
}
