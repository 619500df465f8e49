//! The readable form of a [`Report`]: one table of service endpoints per instance, one of
//! streams and one of consumers, columns padded to their widest cell.

use std::fmt::Write;

use super::Report;

/// The whole report as text tables.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let instances: usize = report.services.iter().map(|s| s.instances.len()).sum();
    let _ = writeln!(
        out,
        "Services: {} ({instances} instances)",
        report.services.len()
    );
    push_table(&mut out, &service_rows(report));
    let _ = writeln!(out, "\nStreams: {}", report.streams.len());
    push_table(&mut out, &stream_rows(report));
    let _ = writeln!(out, "\nConsumers:");
    push_table(&mut out, &consumer_rows(report));
    out
}

/// One row per endpoint of every instance (an instance with none still gets a row).
fn service_rows(report: &Report) -> Vec<Vec<String>> {
    let mut rows = vec![row(&[
        "SERVICE",
        "INSTANCE",
        "VERSION",
        "ENDPOINT",
        "SUBJECT",
        "REQUESTS",
        "ERRORS",
        "AVG MS",
        "EXPIRED",
        "LAST ERROR",
    ])];
    for service in &report.services {
        for instance in &service.instances {
            if instance.endpoints.is_empty() {
                rows.push(row(&[
                    &service.name,
                    &instance.id,
                    &instance.version,
                    "-",
                    "-",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]));
            }
            for e in &instance.endpoints {
                rows.push(vec![
                    service.name.clone(),
                    instance.id.clone(),
                    instance.version.clone(),
                    e.name.clone(),
                    e.subject.clone(),
                    e.requests.to_string(),
                    e.errors.to_string(),
                    format!("{:.2}", e.average_ms),
                    e.expired.map(|n| n.to_string()).unwrap_or_default(),
                    e.last_error.clone().unwrap_or_default(),
                ]);
            }
        }
    }
    rows
}

fn stream_rows(report: &Report) -> Vec<Vec<String>> {
    let mut rows = vec![row(&[
        "STREAM",
        "SUBJECTS",
        "MESSAGES",
        "BYTES",
        "FIRST",
        "LAST",
        "REPLICAS",
        "CONSUMERS",
    ])];
    for s in &report.streams {
        rows.push(vec![
            s.name.clone(),
            s.subjects.join(","),
            s.messages.to_string(),
            s.bytes.to_string(),
            s.first_seq.to_string(),
            s.last_seq.to_string(),
            s.replicas.to_string(),
            s.consumers.len().to_string(),
        ]);
    }
    rows
}

fn consumer_rows(report: &Report) -> Vec<Vec<String>> {
    let mut rows = vec![row(&[
        "STREAM",
        "CONSUMER",
        "DURABLE",
        "PENDING",
        "ACK PENDING",
        "REDELIVERED",
        "WAITING",
        "ACK FLOOR",
        "LAG",
        "DEAD LETTERS",
    ])];
    for s in &report.streams {
        for c in &s.consumers {
            rows.push(vec![
                s.name.clone(),
                c.name.clone(),
                if c.durable { "yes" } else { "no" }.to_owned(),
                c.pending.to_string(),
                c.ack_pending.to_string(),
                c.redelivered.to_string(),
                c.waiting.to_string(),
                c.ack_floor.to_string(),
                c.lag.to_string(),
                c.dead_letters.to_string(),
            ]);
        }
    }
    rows
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// Appends `rows` (the first is the header) with every column as wide as its widest cell.
fn push_table(out: &mut String, rows: &[Vec<String>]) {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
}
