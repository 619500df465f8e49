//! The user worker as a process of its own: load settings, init telemetry, serve, and
//! answer `/healthz`, `/readyz` and `/metrics` on `admin.listen`.

use anyhow::Context;
use mesh::admin::Admin;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = settings::load().context("loading settings")?;
    let telemetry = telemetry::init("user", &settings.telemetry);
    let nats =
        settings::connect_nats(&settings.nats, settings::NatsRole::User, "user", true).await?;
    let shutdown = mesh::Shutdown::on_os_signals();
    let worker = user::start(&settings, nats.clone()).await?;
    let probes = mesh::admin::storage_probes(&settings, true).await?;
    let admin = Admin::new("user", telemetry, &nats, probes)
        .start(&settings)
        .await?;
    worker.run_until(shutdown).await;
    // Last, so `/readyz` answers "not ready" while the worker drains.
    admin.stop().await;
    // Last, so the spans of the shutdown itself still reach the collector.
    telemetry::shutdown();
    Ok(())
}
