//! The edge: the only HTTP entry. It speaks the app's REST API (API.md), authenticates, and
//! turns each call into a constant number of NATS requests to the domain workers.

mod assets;
mod auth;
pub mod client_ip;
mod compose;
mod connection;
mod docs;
pub mod error;
mod handlers;
pub mod health;
mod limits;
mod list_cursor;
mod live;
mod media;
mod observe;
pub mod params;
pub mod server;
mod switches;
mod upload;
mod upload_gate;
mod verified;
pub mod views;
mod web;

use std::sync::Arc;

use axum::{Router, extract::DefaultBodyLimit, routing::get};
use mesh::Caller;
use objects::ObjectStore;
use settings::Settings;

pub use health::Probe;
pub use server::{Listeners, serve};

use crate::{auth::Verifier, error::ApiError, limits::Limits, params::Params};

/// What every handler can reach; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub caller: Caller,
    verifier: Arc<Verifier>,
    probes: Arc<Vec<Probe>>,
    scrape: mesh::admin::Scrape,
    public_base_url: Arc<str>,
    media_base_url: Arc<str>,
    store: Arc<dyn ObjectStore>,
    max_upload_bytes: u64,
    unchecked_uploads: upload_gate::UncheckedUploads,
    limits: Arc<Limits>,
    /// The config centre's values (limits, feature switches), followed from the bucket.
    live_config: liveconfig::Live,
    /// The open live-chat streams.
    live: Arc<live::Live>,
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
        let nats_for_streams = nats.clone();
        let scrape = mesh::admin::Scrape::new(telemetry, vec![("edge", nats.clone())]);
        // The edge masks no text: its base word filter is empty.
        let live = liveconfig::Live::new(settings, wordfilter::WordFilter::default());
        live.follow(nats.clone(), settings.nats.replicas);
        probes.insert(0, Probe::nats(nats));
        Self {
            verifier: Arc::new(Verifier::new(
                caller.clone(),
                verified::VerifiedTokens::new(
                    settings.cache.tokens,
                    std::time::Duration::from_millis(settings.cache.token_ttl_ms),
                ),
            )),
            caller,
            probes: Arc::new(probes),
            scrape,
            public_base_url: settings.edge.public_base_url.as_str().into(),
            media_base_url: settings.media_base_url().into(),
            store,
            max_upload_bytes: settings.media.max_upload_bytes,
            unchecked_uploads: upload_gate::UncheckedUploads::new(
                settings.media.max_unchecked_uploads_per_ip,
            ),
            limits: Limits::new(&settings.edge, &live),
            live_config: live,
            live: live::Live::new(nats_for_streams, settings.edge.live.clone()),
        }
    }

    /// Ends the live-chat streams once `shutdown` fires: they never end by themselves, and
    /// the connections serving them would otherwise hold the shutdown for its whole grace.
    pub fn end_streams_on(&self, shutdown: &mesh::Shutdown) {
        self.live.end_on(shutdown);
    }

    /// The signed-in user; 401 without a valid token.
    pub async fn signed_in(&self, params: &Params) -> Result<i64, ApiError> {
        self.viewer(params)
            .await?
            .ok_or_else(|| ApiError::unauthorized("log in first"))
    }

    /// The signed-in user about to write (like, comment, follow, message); 401 without a
    /// valid token, 429 over the user's write limit.
    pub async fn writer(&self, params: &Params) -> Result<i64, ApiError> {
        let user_id = self.signed_in(params).await?;
        self.limits.write(user_id)?;
        Ok(user_id)
    }

    /// The user `token` was issued to; 401 unless it is valid, 429 over the user's limit.
    pub async fn verify(&self, token: &str) -> Result<i64, ApiError> {
        let user_id = self.verifier.verify(token).await?;
        self.limits.user(user_id)?;
        Ok(user_id)
    }

    /// The signed-in user, if the request carries a token; a bad token is a 401, not anonymous.
    pub async fn viewer(&self, params: &Params) -> Result<Option<i64>, ApiError> {
        match params.token() {
            Some(token) => self.verify(token).await.map(Some),
            None => Ok(None),
        }
    }
}

/// The whole public HTTP surface. Every API route answers with and without its trailing
/// slash; the API routes and their description come from [`docs::api`]. `/metrics` is not
/// part of it (see [`metrics_router`]).
pub fn router(state: AppState, settings: &Settings) -> Router {
    // Uploads get their own limit: the cap plus room for the other multipart fields (the
    // cap itself is enforced, with a clear 413, as the file streams in).
    let upload_limit =
        DefaultBodyLimit::max((settings.media.max_upload_bytes as usize).saturating_add(1 << 20));
    let (api, doc) = docs::api(upload_limit);
    let policy = web::Policy::new(&settings.edge.public_base_url, &settings.media_base_url());
    let router = api
        .merge(docs::ui(doc))
        .merge(web::routes(policy))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/static/{file}", get(assets::serve))
        .route("/media/{*key}", get(media::serve))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(settings.edge.body_limit_bytes))
        // Inside `observe`, so refused requests are counted too.
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state.limits),
            limits::per_ip,
        ))
        .layer(axum::middleware::from_fn(observe::observe));
    // Outermost, so refusals (429, 413) carry the headers a browser needs to read them; with
    // no origin configured there is no layer at all (preflights get the usual 405).
    let router = match settings.edge.cors_allowed_origins.as_slice() {
        [] => router,
        origins => router.layer(cors(origins)),
    };
    router.with_state(state)
}

/// CORS for `origins` only.
fn cors(origins: &[String]) -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderValue, Method, header};
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    tower_http::cors::CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(3600))
}

/// `/metrics` alone, for `edge.metrics_listen`: kept off the public port, so neither the
/// internals it reveals nor the cost of rendering it are open to the internet.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(health::metrics))
        .with_state(state)
}
