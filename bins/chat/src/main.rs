//! The chat worker as a process of its own: load settings, init telemetry, serve, and
//! answer `/healthz`, `/readyz` and `/metrics` on `admin.listen`.

use anyhow::Context;
use mesh::admin::{Admin, Probe};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = settings::load().context("loading settings")?;
    let telemetry = telemetry::init("chat", &settings.telemetry);
    let nats =
        settings::connect_nats(&settings.nats, settings::NatsRole::Chat, "chat", true).await?;
    let shutdown = mesh::Shutdown::on_os_signals();
    let worker = chat::start(&settings, nats.clone()).await?;
    let mysql = settings.chat.store == settings::ChatStoreKind::Mysql;
    let mut probes = mesh::admin::storage_probes(&settings, mysql).await?;
    probes.push(Probe::persister("persist-chat", worker.persist_health()));
    let admin = Admin::new("chat", telemetry, &nats, probes)
        .start(&settings)
        .await?;
    shutdown.wait().await;
    worker.shutdown().await;
    // Last, so `/readyz` answers "not ready" while the worker drains.
    admin.stop().await;
    // Last, so the spans of the shutdown itself still reach the collector.
    telemetry::shutdown();
    Ok(())
}
