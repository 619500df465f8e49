//! What `/metrics` renders: the process's Prometheus registry, with the state of its NATS
//! connections read at scrape time (exact when scraped, and free between scrapes):
//! `nats_connected{connection}` (1 connected, 0 not) and `nats_connects_total{connection}`
//! (connections made, so a reconnect shows as an increase).

use std::sync::Arc;

use async_nats::connection::State;

/// The renderer behind `/metrics`; cheap to clone.
#[derive(Clone)]
pub struct Scrape {
    telemetry: telemetry::Telemetry,
    connections: Arc<Vec<(&'static str, async_nats::Client)>>,
}

impl Scrape {
    /// `connections`: the NATS clients to report, each under a fixed name (never an id).
    pub fn new(
        telemetry: telemetry::Telemetry,
        connections: Vec<(&'static str, async_nats::Client)>,
    ) -> Self {
        Self {
            telemetry,
            connections: Arc::new(connections),
        }
    }

    /// The Prometheus text exposition of everything recorded in this process.
    pub fn render(&self) -> String {
        for (name, client) in self.connections.iter() {
            let up = matches!(client.connection_state(), State::Connected);
            metrics::gauge!("nats_connected", "connection" => *name).set(f64::from(u8::from(up)));
            let connects = client
                .statistics()
                .connects
                .load(std::sync::atomic::Ordering::Relaxed);
            metrics::counter!("nats_connects_total", "connection" => *name).absolute(connects);
        }
        self.telemetry.metrics.render()
    }
}
