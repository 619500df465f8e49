//! The fault runner: a write load of likes, comments, follows and messages through the edge,
//! with every worker a separate process, one fault per scenario on fresh servers, and a
//! pass/fail table of what was acknowledged, what MySQL and Redis hold afterwards, what was
//! lost or duplicated, what clients saw and how long recovery took.

mod api;
mod backends;
mod check;
mod fault;
mod load;
mod mariadb;
mod nats;
mod probe;
mod procs;
mod redis;
mod report;
mod scenario;
mod stack;
mod world;

pub use fault::{ALL, Fault};
pub use probe::CLUSTER_RECOVERY;
pub use report::{Row, table};
pub use scenario::Size;

/// Runs `faults` one after the other (each on its own servers) and returns their rows.
pub async fn run(faults: &[Fault], size: &Size) -> Vec<Row> {
    let mut rows = Vec::new();
    for fault in faults {
        eprintln!("faults: running {:?}", fault.name());
        let row = scenario::run(*fault, size).await;
        eprintln!("{}", table(std::slice::from_ref(&row)));
        rows.push(row);
    }
    rows
}
