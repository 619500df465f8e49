//! `verify`: after a load run, waits for persistence to catch up and compares every sampled
//! count the API answers with MySQL; prints each mismatch and exits non-zero on any.
//! `cargo run --release -p loadtest --bin verify -- [--manifest var/loadtest/seed.json]
//! [--base-url URL] [--wait-secs 120] [--users 500] [--authors 200]`; the deployment is read
//! from the settings.

use std::{path::PathBuf, time::Duration};

use loadtest::{args::Args, manifest::Manifest, verify};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse(
        std::env::args().skip(1),
        &["manifest", "base-url", "wait-secs", "users", "authors"],
    )?;
    let settings = settings::load()?;
    let manifest = Manifest::read(&args.get("manifest", PathBuf::from("var/loadtest/seed.json"))?)?;
    let base_url = args.get("base-url", settings.edge.public_base_url.clone())?;
    let nats = settings::connect_nats(
        &settings.nats,
        settings::NatsRole::Admin,
        "loadtest-verify",
        true,
    )
    .await?;
    verify::wait_persisted(nats, Duration::from_secs(args.get("wait-secs", 120)?)).await?;
    let db = settings::connect_mysql(&settings.mysql).await?;
    let limits = verify::Limits {
        users: args.get("users", 500)?,
        authors: args.get("authors", 200)?,
    };
    let mismatches = verify::compare(&db, &base_url, &manifest, limits).await?;
    for line in &mismatches {
        println!("mismatch: {line}");
    }
    anyhow::ensure!(
        mismatches.is_empty(),
        "{} counts differ from MySQL",
        mismatches.len()
    );
    println!("verify: every sampled count matches MySQL");
    Ok(())
}
