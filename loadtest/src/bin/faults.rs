//! `cargo run -p loadtest --bin faults [-- --writers 8 --phase-secs 5 --outage-secs 5
//! --mysql-outage-secs 30 --persist-wait-secs 60 --only "redis flush,nats restart"]`: runs
//! every fault scenario (see loadtest/README.md), prints the table, exits 1 if a row failed.

use std::time::Duration;

use anyhow::Context;
use loadtest::{args::Args, faults};

const FLAGS: [&str; 6] = [
    "writers",
    "phase-secs",
    "outage-secs",
    "mysql-outage-secs",
    "persist-wait-secs",
    "only",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse(std::env::args().skip(1), &FLAGS)?;
    let secs = |name, default| args.get(name, default).map(Duration::from_secs);
    let size = faults::Size {
        writers: args.get("writers", 8)?,
        phase: secs("phase-secs", 5)?,
        outage: secs("outage-secs", 5)?,
        mysql_outage: secs("mysql-outage-secs", 30)?,
        persist_wait: secs("persist-wait-secs", 60)?,
    };
    let only: String = args.get("only", String::new())?;
    let chosen = match only.is_empty() {
        true => faults::ALL.to_vec(),
        false => only
            .split(',')
            .map(|name| faults::Fault::parse(name).with_context(|| format!("no fault {name:?}")))
            .collect::<anyhow::Result<_>>()?,
    };
    let rows = faults::run(&chosen, &size).await;
    println!("{size:?}\n\n{}", faults::table(&rows));
    if rows.iter().any(|row| !row.passed()) {
        std::process::exit(1);
    }
    Ok(())
}
