//! The admin endpoint of a standalone worker, apart from any public traffic: `/healthz`
//! (the process answers), `/readyz` (NATS connected, MySQL and Redis answer, the persister
//! consumes — see [`Probe`]) and `/metrics` (Prometheus text, see [`Scrape`]). The edge
//! answers the same probes and renders the same metrics on its own listeners.

mod probe;
mod scrape;

use std::{io, net::SocketAddr, sync::Arc};

use axum::{Router, extract::State, routing::get};
use settings::{ClientError, Settings, SettingsError};
use tokio::{net::TcpListener, task::JoinHandle};

pub use probe::{Probe, liveness, readiness};
pub use scrape::Scrape;

use crate::Shutdown;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("binding admin.listen {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("connecting the readiness probes: {0}")]
    Client(#[from] ClientError),
}

/// What an admin endpoint answers with: its probes and its metrics.
#[derive(Clone)]
pub struct Admin {
    service: &'static str,
    probes: Arc<Vec<Probe>>,
    scrape: Scrape,
}

impl Admin {
    /// `/readyz` checks `nats`' connection first, then `probes`; `/metrics` reports it as
    /// connection `service`.
    pub fn new(
        service: &'static str,
        telemetry: telemetry::Telemetry,
        nats: &async_nats::Client,
        probes: Vec<Probe>,
    ) -> Self {
        let mut all = vec![Probe::nats(nats.clone())];
        all.extend(probes);
        Self {
            service,
            probes: Arc::new(all),
            scrape: Scrape::new(telemetry, vec![(service, nats.clone())]),
        }
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/healthz", get(liveness))
            .route("/readyz", get(ready))
            .route("/metrics", get(render))
            .with_state(self)
    }

    /// Serves on `settings.admin`'s address for this service (nothing when it is off) until
    /// stopped. Binds before returning, so a taken port fails the start-up.
    pub async fn start(self, settings: &Settings) -> Result<AdminServer, AdminError> {
        let service = self.service;
        let Some(addr) = settings.admin.addr(service)? else {
            tracing::info!(service, "admin.listen is empty: no admin endpoint");
            return Ok(AdminServer::default());
        };
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| AdminError::Bind { addr, source })?;
        let bound = listener.local_addr().unwrap_or(addr);
        tracing::info!(service, addr = %bound, "admin endpoint (/healthz /readyz /metrics)");
        let stop = Shutdown::new();
        let until = stop.clone();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, self.router())
                .with_graceful_shutdown(async move { until.wait().await })
                .await;
            if let Err(err) = served {
                tracing::error!(error = %err, "admin endpoint failed");
            }
        });
        Ok(AdminServer {
            running: Some((stop, task)),
            addr: Some(bound),
        })
    }
}

async fn ready(State(admin): State<Admin>) -> impl axum::response::IntoResponse {
    readiness(&admin.probes).await
}

async fn render(State(admin): State<Admin>) -> String {
    admin.scrape.render()
}

/// A running admin endpoint (or none); stop it once the worker has drained, so `/readyz`
/// reports the drain (NATS closing) instead of refusing connections.
#[derive(Default)]
pub struct AdminServer {
    running: Option<(Shutdown, JoinHandle<()>)>,
    addr: Option<SocketAddr>,
}

impl AdminServer {
    /// Where it listens (the port chosen, when configured with port 0).
    pub fn addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    pub async fn stop(self) {
        if let Some((stop, task)) = self.running {
            stop.trigger();
            let _ = task.await;
        }
    }
}

/// Probes of MySQL (when `mysql`) and Redis on clients of their own, one connection each:
/// a process's readiness is whether its servers answer, not whether its busy pool has a
/// connection free this instant (that shows as latency in the metrics).
pub async fn storage_probes(settings: &Settings, mysql: bool) -> Result<Vec<Probe>, AdminError> {
    let mut probes = Vec::new();
    if mysql {
        let one = settings::MysqlSettings {
            max_connections: 1,
            ..settings.mysql.clone()
        };
        probes.push(Probe::mysql(settings::connect_mysql(&one).await?));
    }
    probes.push(Probe::redis(
        settings::connect_redis(&settings.redis).await?,
    ));
    Ok(probes)
}
