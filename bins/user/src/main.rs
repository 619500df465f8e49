//! The user worker as a process of its own: load settings, init telemetry, serve.

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = settings::load().context("loading settings")?;
    telemetry::init("user", &settings.telemetry);
    let nats =
        settings::connect_nats(&settings.nats, settings::NatsRole::User, "user", true).await?;
    let shutdown = mesh::Shutdown::on_os_signals();
    let worker = user::start(&settings, nats).await?;
    worker.run_until(shutdown).await;
    Ok(())
}
