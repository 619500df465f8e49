//! The pass/fail table, one row per fault, in Markdown (it goes into loadtest/RESULTS.md).

use std::{collections::BTreeMap, fmt::Write, time::Duration};

use super::{check::Counts, fault::Fault};

pub struct Row {
    pub fault: Fault,
    pub acked: u64,
    /// Acknowledged between the injection and the heal.
    pub acked_during: u64,
    /// Failed attempts per kind of write, e.g. "3 like, 12 message".
    pub failed_kinds: String,
    pub counts: Counts,
    /// HTTP status (0: no answer, 299: 200 with a non-zero status_code) → count.
    pub errors: BTreeMap<u16, u64>,
    /// From the heal to the last error any writer saw (None: no error at all).
    pub errors_after_heal: Option<Duration>,
    /// From the injection to the last error.
    pub outage_errors: Option<Duration>,
    pub slowest_error: Duration,
    pub error_message: Option<String>,
    /// Why it failed; empty is a pass.
    pub failures: Vec<String>,
    pub note: String,
}

impl Row {
    /// A scenario that could not be run to the end (a server did not start, …).
    pub fn broken(fault: Fault, error: String) -> Self {
        Self {
            fault,
            acked: 0,
            acked_during: 0,
            failed_kinds: String::new(),
            counts: Counts::default(),
            errors: BTreeMap::new(),
            errors_after_heal: None,
            outage_errors: None,
            slowest_error: Duration::ZERO,
            error_message: None,
            failures: vec![format!("not run to the end: {error}")],
            note: String::new(),
        }
    }

    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

const HEADER: &str = "| fault | result | acked writes (during fault) | items | in MySQL | in Redis | lost | dup | drift | client errors | errors until | persisted after | notes |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";

/// The table, then each failed row's reasons and each row's last client error message.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(HEADER);
    for row in rows {
        let c = &row.counts;
        let _ = writeln!(
            out,
            "| {} | {} | {} ({}) | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.fault.name(),
            if row.passed() { "PASS" } else { "FAIL" },
            row.acked,
            row.acked_during,
            c.items,
            c.in_mysql,
            c.in_redis,
            c.lost,
            c.duplicated,
            c.drift,
            errors(&row.errors, &row.failed_kinds),
            recovery(row),
            c.persisted_after.map_or("never".into(), secs),
            row.note.replace('|', "/"),
        );
    }
    for row in rows {
        for failure in &row.failures {
            let _ = writeln!(
                out,
                "\n- {} FAIL: {}",
                row.fault.name(),
                failure.replace('\n', " ")
            );
        }
        if let Some(message) = &row.error_message {
            let _ = writeln!(
                out,
                "\n- {}: last client error `{}`; slowest failed write {}",
                row.fault.name(),
                message,
                secs(row.slowest_error)
            );
        }
    }
    out
}

fn errors(errors: &BTreeMap<u16, u64>, kinds: &str) -> String {
    if errors.is_empty() {
        return "0".into();
    }
    let parts: Vec<String> = errors
        .iter()
        .map(|(status, n)| format!("{n}×{status}"))
        .collect();
    format!("{} ({kinds})", parts.join(" "))
}

/// "until X s after the fault (Y s after the heal)".
fn recovery(row: &Row) -> String {
    match (row.outage_errors, row.errors_after_heal) {
        (Some(outage), Some(after)) => format!("+{} (heal +{})", secs(outage), secs(after)),
        _ => "-".into(),
    }
}

fn secs(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}
