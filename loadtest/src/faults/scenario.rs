//! One scenario: fresh servers and stack, the writers, the fault in the middle of the load,
//! then the counts, turned into a [`Row`] with its verdict.

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use super::{
    api::Api,
    backends::Servers,
    check::{self, Counts},
    fault::{Fault, quick},
    load::{self, Ledger, Plan},
    probe::{self, CLUSTER_RECOVERY},
    report::Row,
    stack::Stack,
    world::World,
};

/// How big a run is.
#[derive(Clone, Debug)]
pub struct Size {
    pub writers: usize,
    /// Load before the fault, and again after it heals.
    pub phase: Duration,
    /// How long a fault that heals lasts.
    pub outage: Duration,
    /// How long MySQL stays stopped (the issue asks for 30 s).
    pub mysql_outage: Duration,
    /// Bound of the wait for MySQL to hold every acknowledged write.
    pub persist_wait: Duration,
}

pub async fn run(fault: Fault, size: &Size) -> Row {
    match run_inner(fault, size).await {
        Ok(row) => row,
        Err(error) => Row::broken(fault, format!("{error:#}")),
    }
}

async fn run_inner(fault: Fault, size: &Size) -> anyhow::Result<Row> {
    let dir = tempfile::Builder::new().prefix("gt-faults-").tempdir()?;
    let mut servers = Servers::start(dir.path(), fault.nats(), fault.own_mysql()).await?;
    let began = Instant::now();
    let mut stack = Stack::start(dir.path(), &servers.backends).await?;
    let api = Api::new(&stack.edge_url)?;
    let stack_up = began.elapsed();
    let world = World::create(&api, &servers.db, size.writers).await?;
    eprintln!(
        "faults: servers+stack up in {stack_up:?}, accounts in {:?}",
        began.elapsed() - stack_up
    );
    let stop = Arc::new(AtomicBool::new(false));
    let acks = Arc::new(AtomicU64::new(0));
    let writers = spawn_writers(&api, &world, &stop, &acks, size);

    tokio::time::sleep(size.phase).await;
    // As an open app does: the chat poll also makes the newest message time hot in Redis.
    let before = probe::once(&api, &world).await;
    let injected = Instant::now();
    let mut note = fault.inject(&mut servers, &mut stack).await?;
    let outage = match fault {
        Fault::MysqlStop => size.mysql_outage,
        Fault::RedisFlush => Duration::ZERO,
        _ => size.outage,
    };
    tokio::time::sleep(outage / 2).await;
    let read = match fault {
        // The node stays lost: reads must come back within the bound, not at some point.
        Fault::ClusterNodeKill => {
            probe::until_all_answer(&api, &world, injected, CLUSTER_RECOVERY).await
        }
        _ => probe::once(&api, &world).await,
    };
    tokio::time::sleep(outage / 2).await;
    fault.heal(&mut servers, &mut stack).await?;
    let healed = Instant::now();
    let acked_at_heal = acks.load(Ordering::Relaxed);
    if fault == Fault::KillWorkers {
        stack.wait_ready().await?;
    }
    tokio::time::sleep(size.phase).await;
    until_resumed(&acks, acked_at_heal, healed).await;
    stop.store(true, Ordering::Relaxed);
    let mut ledgers = Vec::new();
    for writer in writers {
        ledgers.push(writer.await?);
    }
    let counting = Instant::now();
    let counts = check::count(&api, &servers.db, &world, &ledgers, size.persist_wait).await?;
    eprintln!("faults: counted in {:?}", counting.elapsed());
    if fault == Fault::MysqlStop {
        note = format!("mysqld SIGSTOPped {} s", outage.as_secs());
    }
    note_read(&mut note, &read.note);
    let mut row = row(fault, &ledgers, counts, injected, healed, note);
    if !before.failed.is_empty() {
        row.failures
            .push(format!("reads failed before the fault: {}", before.note));
    }
    row.failures.extend(read_failures(fault, &read, &row));
    Ok(row)
}

/// Keeps the load going past the after-heal phase until some write is acknowledged again,
/// up to [`RESUME_BOUND`] after the heal: writers that were all caught in a 5 s time-out
/// when the fault struck would otherwise end the phase before their next try, and the
/// row would blame the system for the runner's short phase. Past the bound the row fails.
async fn until_resumed(acks: &AtomicU64, acked_at_heal: u64, healed: Instant) {
    while acks.load(Ordering::Relaxed) == acked_at_heal && healed.elapsed() < RESUME_BOUND {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How long after a heal writes may take to be acknowledged again (a row fails beyond it).
const RESUME_BOUND: Duration = Duration::from_secs(30);

fn spawn_writers(
    api: &Api,
    world: &World,
    stop: &Arc<AtomicBool>,
    acks: &Arc<AtomicU64>,
    size: &Size,
) -> Vec<tokio::task::JoinHandle<Ledger>> {
    let targets: Vec<i64> = world.targets.iter().map(|t| t.id).collect();
    world
        .writers
        .iter()
        .enumerate()
        .map(|(index, writer)| {
            let plan = Plan {
                token: writer.token.clone(),
                user: writer.id,
                index,
                videos: world.videos.clone(),
                targets: targets.clone(),
                acks: acks.clone(),
            };
            // A pair still failing after the stop gets the persist wait to come through.
            let drain = size.persist_wait;
            tokio::spawn(load::write(api.clone(), plan, stop.clone(), drain))
        })
        .collect()
}

/// What the reads during the fault, and the writes' recovery, must show beyond "nothing
/// lost": reads from hot state while MySQL is stopped; on a cluster that lost a node for
/// good, reads and writes answering again within [`CLUSTER_RECOVERY`].
fn read_failures(fault: Fault, read: &probe::Answers, row: &Row) -> Vec<String> {
    let mut failures = Vec::new();
    match fault {
        Fault::MysqlStop if !read.failed.is_empty() => failures.push(format!(
            "reads did not keep answering while MySQL was stopped: {}",
            read.note
        )),
        Fault::ClusterNodeKill => {
            if !read.failed.is_empty() {
                failures.push(format!(
                    "reads did not answer within {CLUSTER_RECOVERY:?} of the kill: {}",
                    read.note
                ));
            }
            if let Some(until) = row.outage_errors.filter(|until| *until > CLUSTER_RECOVERY) {
                failures.push(format!(
                    "writes failed until {until:?} after the kill (> {CLUSTER_RECOVERY:?})"
                ));
            }
        }
        _ => {}
    }
    failures
}

fn note_read(note: &mut String, read: &str) {
    let read = format!("reads mid-fault: {read}");
    *note = [note.as_str(), &read]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
}

/// Sums the ledgers into the report's row and decides pass or fail.
fn row(
    fault: Fault,
    ledgers: &[Ledger],
    counts: Counts,
    injected: Instant,
    healed: Instant,
    note: String,
) -> Row {
    let mut errors: BTreeMap<u16, u64> = BTreeMap::new();
    for (status, n) in ledgers.iter().flat_map(|l| &l.errors) {
        *errors.entry(*status).or_default() += n;
    }
    let last_error = ledgers.iter().filter_map(|l| l.last_error).max();
    let slowest = ledgers
        .iter()
        .map(|l| l.slowest_error)
        .max()
        .unwrap_or_default();
    let during = ledgers
        .iter()
        .flat_map(|l| &l.ack_times)
        .filter(|at| **at > injected && **at < healed)
        .count() as u64;
    let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
    for (kind, n) in ledgers.iter().flat_map(|l| &l.failed_kinds) {
        *kinds.entry(kind).or_default() += n;
    }
    let resumed = ledgers
        .iter()
        .filter_map(|l| l.last_ack)
        .any(|at| at > healed);
    let message = ledgers
        .iter()
        .map(|l| l.last_error_msg.clone())
        .find(|m| !m.is_empty());
    let mut failures = Vec::new();
    if counts.lost > 0 || counts.duplicated > 0 || counts.drift > 0 {
        failures.push("lost, duplicated or drifted".to_owned());
    }
    if let Some(error) = &counts.read_error {
        failures.push(format!("reads after the load failed: {error}"));
    }
    if counts.persisted_after.is_none() {
        failures.push("MySQL never held every acknowledged write".into());
    }
    let unsettled: u64 = ledgers.iter().map(|l| l.unsettled).sum();
    if unsettled > 0 {
        failures.push(format!(
            "{unsettled} writes never acknowledged after the fault healed"
        ));
    }
    if !resumed {
        failures.push("no write acknowledged after the heal".into());
    }
    if fault == Fault::MysqlStop && during == 0 {
        failures.push("no write acknowledged while MySQL was stopped".into());
    }
    // Every write waits in a stream while MySQL is away (messages too, in `MESSAGES`), so
    // none may be refused.
    if fault == Fault::MysqlStop && !errors.is_empty() {
        failures.push("writes were refused while MySQL was stopped".into());
    }
    // An operator must act on a full store: the refusal has to say so.
    let said_full = ledgers
        .iter()
        .any(|l| l.last_error_msg.contains("event store is full"));
    if fault == Fault::StoreFull && !said_full {
        failures.push("no refusal said that the event store is full".into());
    }
    if fault == Fault::RedisUnreachable && slowest > quick() {
        failures.push(format!(
            "slowest failed write took {slowest:?} (> {:?})",
            quick()
        ));
    }
    Row {
        fault,
        acked: ledgers.iter().map(|l| l.acked).sum(),
        acked_during: during,
        failed_kinds: kinds
            .iter()
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect::<Vec<_>>()
            .join(", "),
        counts,
        errors,
        errors_after_heal: last_error.map(|at| at.saturating_duration_since(healed)),
        outage_errors: last_error.map(|at| at.saturating_duration_since(injected)),
        slowest_error: slowest,
        error_message: message,
        failures,
        note,
    }
}
