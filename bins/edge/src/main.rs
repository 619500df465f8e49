//! The edge as a process of its own: load settings, init telemetry, serve HTTP.

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = settings::load().context("loading settings")?;
    let telemetry = telemetry::init("edge", &settings.telemetry);
    // Start even while NATS is down: calls answer 503 until the connection comes up.
    let nats =
        settings::connect_nats(&settings.nats, settings::NatsRole::Edge, "edge", false).await?;
    let store = objects::connect(&settings.media, &nats, settings.nats.replicas).await?;
    let state = edge::AppState::new(&settings, nats, store, telemetry, Vec::new());
    let listeners = edge::Listeners::bind(&settings.edge).await?;
    let shutdown = mesh::Shutdown::on_os_signals();
    state.end_streams_on(&shutdown);
    let api = edge::router(state.clone(), &settings);
    let metrics = edge::metrics_router(state);
    edge::serve(listeners, api, metrics, &settings.edge, shutdown).await?;
    // Last, so the spans of the shutdown itself still reach the collector.
    telemetry::shutdown();
    Ok(())
}
