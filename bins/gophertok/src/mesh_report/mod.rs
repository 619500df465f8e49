//! `gophertok mesh`: what `nats micro ls` and `nats stream ls` would show, from the project's
//! own binary — the live services with their instances, endpoints and stats, and the streams
//! with their consumers' backlog and dead letters.

mod services;
mod streams;
mod table;

use std::time::Duration;

use anyhow::Context;
use serde::Serialize;

/// `gophertok mesh [--json] [--window-ms N]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub json: bool,
    /// How long replies to the `$SRV` requests are gathered: every instance answers, and
    /// there is no way to know how many will.
    pub window: Duration,
}

/// Everything the command prints.
#[derive(Debug, Serialize)]
pub struct Report {
    pub services: Vec<services::Service>,
    pub streams: Vec<streams::StreamState>,
}

/// Connects with the usual settings (file, environment), reads the mesh and prints it.
pub async fn run(options: &Options) -> anyhow::Result<()> {
    let settings = settings::load().context("loading settings")?;
    let client = settings::connect_nats(
        &settings.nats,
        settings::NatsRole::Admin,
        "gophertok-mesh",
        true,
    )
    .await?;
    let report = read(&client, options.window).await?;
    if options.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table::render(&report));
    }
    Ok(())
}

/// Gathers the services' replies for `window` and reads every stream and consumer.
pub async fn read(client: &async_nats::Client, window: Duration) -> anyhow::Result<Report> {
    let services = services::gather(client, window)
        .await
        .context("asking $SRV for the services")?;
    let js = async_nats::jetstream::new(client.clone());
    let streams = streams::read(&js).await.context("reading JetStream")?;
    Ok(Report { services, streams })
}
