//! The edge's accept loop: at most `edge.max_connections` connections at once (the rest wait
//! in the kernel's queue), each served by [`crate::connection`] with its timeouts, and a
//! shutdown that stops accepting, lets open requests finish for `edge.shutdown_grace_ms`
//! and then drops whatever is still open — so a stuck client cannot hold a deploy hostage.

use std::{io, sync::Arc, time::Duration};

use axum::Router;
use settings::EdgeSettings;
use tokio::{net::TcpListener, sync::Semaphore, task::JoinSet};

use crate::connection::{self, Rules};

/// Scrapes are few; their own small bound keeps them answering while the API is flooded.
const METRICS_CONNECTIONS: usize = 16;
/// After a failed accept (e.g. out of file descriptors), a pause instead of a busy loop.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The sockets the edge serves: the public API and, apart from it, `/metrics`.
pub struct Listeners {
    pub api: TcpListener,
    pub metrics: Option<TcpListener>,
}

impl Listeners {
    /// Binds `edge.listen` and, unless it is empty, `edge.metrics_listen`.
    pub async fn bind(settings: &EdgeSettings) -> io::Result<Self> {
        let api = bind(settings.listen).await?;
        let metrics = match settings.metrics_addr() {
            Some(addr) => Some(bind(addr).await?),
            None => None,
        };
        Ok(Self { api, metrics })
    }
}

async fn bind(addr: std::net::SocketAddr) -> io::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .map_err(|err| io::Error::new(err.kind(), format!("binding {addr}: {err}")))
}

/// Serves `api` and `metrics` on `listeners` until `shutdown` fires, then shuts down within
/// the grace period.
pub async fn serve(
    listeners: Listeners,
    api: Router,
    metrics: Router,
    settings: &EdgeSettings,
    shutdown: mesh::Shutdown,
) -> io::Result<()> {
    let rules = Rules::from(settings);
    let api_bound = Arc::new(Semaphore::new(settings.max_connections));
    let api_loop = accept_loop(listeners.api, api, rules, api_bound, shutdown.clone());
    match listeners.metrics {
        Some(listener) => {
            let bound = Arc::new(Semaphore::new(METRICS_CONNECTIONS));
            let metrics_loop = accept_loop(listener, metrics, rules, bound, shutdown);
            tokio::join!(api_loop, metrics_loop);
        }
        None => api_loop.await,
    }
    Ok(())
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    rules: Rules,
    bound: Arc<Semaphore>,
    shutdown: mesh::Shutdown,
) {
    tracing::info!(addr = ?listener.local_addr().ok(), "edge listening");
    let mut open = JoinSet::new();
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&bound).acquire_owned() => permit,
            () = shutdown.wait() => break,
        };
        let Ok(permit) = permit else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = shutdown.wait() => break,
        };
        let served = connection::serve(stream, peer, router.clone(), rules, shutdown.clone());
        open.spawn(async move {
            served.await;
            drop(permit);
        });
        // Reap finished connections so the set holds only open ones.
        while open.try_join_next().is_some() {}
    }
    // New connections are refused from here on; open ones were told to finish.
    drop(listener);
    let drained = async { while open.join_next().await.is_some() {} };
    if tokio::time::timeout(rules.grace, drained).await.is_err() {
        tracing::warn!(
            open = open.len(),
            "shutdown grace is over; dropping open connections"
        );
        open.shutdown().await;
    }
}
