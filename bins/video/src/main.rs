//! The video worker as a process of its own: load settings, init telemetry, serve.

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = settings::load().context("loading settings")?;
    telemetry::init("video", &settings.telemetry);
    let nats =
        settings::connect_nats(&settings.nats, settings::NatsRole::Video, "video", true).await?;
    let shutdown = mesh::Shutdown::on_os_signals();
    let worker = video::start(&settings, nats).await?;
    worker.run_until(shutdown).await;
    Ok(())
}
