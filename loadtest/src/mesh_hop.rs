//! The cost of the mesh hop: the same real handler (`user.v1.get` of a few ids, a MySQL read
//! that every feed page makes) called in-process and through the mesh — `Caller` → the
//! pinned nats-server → the worker's serve loop → reply — interleaved in one run, so both see
//! the same machine. Run: `cargo run --release -p loadtest --bin mesh-hop [-- SAMPLES IDS]`;
//! the table goes to loadtest/RESULTS.md.

use std::time::{Duration, Instant};

use anyhow::Context;
use contract::user::{GetUsers, Register};
use mesh::Caller;
use testkit::TestEnv;
use tracing::Instrument;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let samples: usize = args.next().map_or(Ok(20_000), |a| a.parse())?;
    let id_count: usize = args.next().map_or(Ok(5), |a| a.parse())?;
    let env = TestEnv::start()
        .await
        .context("starting nats-server and a database")?;
    // Real telemetry, as in a deployment: spans, trace context in headers, metrics.
    telemetry::init("mesh-hop", &env.settings.telemetry);
    let worker = user::start(&env.settings, env.nats_client().await?).await?;
    let caller = Caller::new(env.nats_client().await?, Duration::from_secs(5));
    let request = GetUsers {
        ids: register(&caller, id_count).await?,
    };
    let local = user::router(&env.settings.user)
        .local::<GetUsers>()
        .context("the user router serves user.v1.get")?;
    let state = std::sync::Arc::clone(worker.state());

    let mut in_process = Vec::with_capacity(samples);
    let mut over_mesh = Vec::with_capacity(samples);
    // The first tenth warms pools, caches and the connection; it is not counted.
    for i in 0..samples + samples / 10 {
        let started = Instant::now();
        let reply = local(state.clone(), request.clone())
            .instrument(tracing::info_span!("bench"))
            .await?;
        let local_took = started.elapsed();
        let started = Instant::now();
        let remote = caller
            .call(&request)
            .instrument(tracing::info_span!("bench"))
            .await?;
        let mesh_took = started.elapsed();
        anyhow::ensure!(reply.users.len() == id_count && remote.users.len() == id_count);
        if i >= samples / 10 {
            in_process.push(local_took);
            over_mesh.push(mesh_took);
        }
    }
    report(samples, id_count, in_process, over_mesh);
    worker.shutdown().await;
    Ok(())
}

/// Registers `count` users and returns their ids.
async fn register(caller: &Caller, count: usize) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let session = caller
            .call(&Register {
                username: format!("hop{i}"),
                password: "secret1".into(),
            })
            .await?;
        ids.push(session.user_id);
    }
    Ok(ids)
}

fn report(samples: usize, ids: usize, mut local: Vec<Duration>, mut mesh: Vec<Duration>) {
    local.sort_unstable();
    mesh.sort_unstable();
    println!("user.v1.get of {ids} ids, {samples} sequential calls each, interleaved");
    println!("| | p50 | p90 | p99 |");
    println!("|---|---|---|---|");
    let row = |name: &str, at: &dyn Fn(f64) -> f64| {
        println!(
            "| {name} | {:.3} ms | {:.3} ms | {:.3} ms |",
            at(0.50),
            at(0.90),
            at(0.99)
        );
    };
    row("in-process", &|q| millis(&local, q));
    row("through the mesh", &|q| millis(&mesh, q));
    row("mesh hop (difference)", &|q| {
        millis(&mesh, q) - millis(&local, q)
    });
}

fn millis(sorted: &[Duration], quantile: f64) -> f64 {
    let index = ((sorted.len() as f64 * quantile) as usize).min(sorted.len() - 1);
    sorted[index].as_secs_f64() * 1_000.0
}
