//! The relation worker as a process of its own: load settings, init telemetry, serve.

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = settings::load().context("loading settings")?;
    telemetry::init("relation", &settings.telemetry);
    let nats = settings::connect_nats(
        &settings.nats,
        settings::NatsRole::Relation,
        "relation",
        true,
    )
    .await?;
    let shutdown = mesh::Shutdown::on_os_signals();
    let worker = relation::start(&settings, nats).await?;
    shutdown.wait().await;
    worker.shutdown().await;
    Ok(())
}
