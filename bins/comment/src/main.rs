//! The comment worker as a process of its own: load settings, init telemetry, serve.

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = settings::load().context("loading settings")?;
    telemetry::init("comment", &settings.telemetry);
    let nats = settings::connect_nats(&settings.nats, settings::NatsRole::Comment, "comment", true)
        .await?;
    let shutdown = mesh::Shutdown::on_os_signals();
    let worker = comment::start(&settings, nats).await?;
    shutdown.wait().await;
    worker.shutdown().await;
    Ok(())
}
