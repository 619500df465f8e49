//! The reference documents under `docs/` cannot drift from the code: `docs/subjects.md` is
//! generated from `libs/contract` and `nats/` and must equal the committed file, and every
//! setting that `libs/settings` defines appears in `docs/configuration.md`.
//!
//! Rewrite `docs/subjects.md` after a contract change with
//! `GOPHERTOK_WRITE_DOCS=1 cargo test -p gophertok --test docs`.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod contract_text;

use std::fmt::Write;

use contract_text::{Domain, definitions, domains, repo};
use serde_json::Value;

const REWRITE: &str = "GOPHERTOK_WRITE_DOCS=1 cargo test -p gophertok --test docs";

#[test]
fn the_subject_reference_matches_the_contract() {
    let generated = subjects_md();
    let path = repo().join("docs/subjects.md");
    if std::env::var_os("GOPHERTOK_WRITE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/subjects.md differs from what libs/contract and nats/ generate; rewrite it with\n  {REWRITE}"
    );
}

#[test]
fn every_request_type_in_the_contract_was_read() {
    let impls: usize = domains()
        .iter()
        .map(|d| std::fs::read_to_string(repo().join("libs/contract/src").join(&d.file)).unwrap())
        .map(|text| outside_tests(&text).matches("impl Rpc for ").count())
        .sum();
    let rpcs = contract_text::rpcs();
    assert_eq!(rpcs.len(), impls, "{rpcs:#?}");
    for rpc in &rpcs {
        assert!(rpc.subject.contains(".v1."), "{rpc:?}");
        assert!(!rpc.reply.is_empty() && !rpc.doc.is_empty(), "{rpc:?}");
    }
}

/// A file without its `#[cfg(test)]` module (rpc.rs demonstrates the trait on a test type).
fn outside_tests(text: &str) -> &str {
    text.split("#[cfg(test)]").next().unwrap_or_default()
}

#[test]
fn every_setting_is_in_the_configuration_reference() {
    let doc = std::fs::read_to_string(repo().join("docs/configuration.md")).unwrap();
    let defaults = serde_json::to_value(settings::Settings::default()).unwrap();
    let mut keys = Vec::new();
    leaves(&defaults, "", &mut keys);
    assert!(keys.len() > 50, "{keys:?}");
    let missing: Vec<&String> = keys.iter().filter(|key| !documented(&doc, key)).collect();
    assert!(
        missing.is_empty(),
        "settings missing from docs/configuration.md: {missing:?}"
    );
}

/// A key is documented when the doc names it, or a table above it (`edge.limits.per_ip`
/// covers `edge.limits.per_ip.burst`), in backticks.
fn documented(doc: &str, key: &str) -> bool {
    let mut prefix = key;
    loop {
        if doc.contains(&format!("`{prefix}`")) {
            return true;
        }
        match prefix.rfind('.') {
            Some(dot) => prefix = &prefix[..dot],
            None => return false,
        }
    }
}

/// The dotted path of every leaf of the defaults (an unset option is a leaf too).
fn leaves(value: &Value, path: &str, into: &mut Vec<String>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, value) in map {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                leaves(value, &path, into);
            }
        }
        _ => into.push(path.to_owned()),
    }
}

/// The subject reference, generated.
fn subjects_md() -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "# NATS subjects\n\n\
         Generated from `libs/contract` (request types, their doc comments, services, streams \
         and events) and `nats/streams`, `nats/consumers` by `bins/gophertok/tests/docs.rs`; \
         do not edit by hand. After a change run:\n\n```sh\n{REWRITE}\n```\n\n\
         Every request is JSON (serde field names as in the Rust type) sent as a NATS request \
         to its subject; the worker answers the reply type as JSON, or an error in the \
         service headers `Nats-Service-Error` (message) and `Nats-Service-Error-Code` (an \
         HTTP status). Every worker also answers `$SRV.PING`, `$SRV.INFO` and `$SRV.STATS` \
         (the NATS service API); `gophertok mesh` lists them.\n"
    );
    for domain in domains().iter().filter(|d| d.service.is_some()) {
        domain_section(&mut out, domain);
    }
    streams_section(&mut out);
    buckets_section(&mut out);
    out.push_str(
        "\n## What is not generated\n\n\
         The fields of each request and reply type are in `libs/contract/src/<domain>.rs` \
         (the generator reads names and doc comments, not field lists). The headers every \
         call carries (`traceparent`, `tracestate`, `Gophertok-Deadline`) are set by \
         `libs/mesh` (`trace.rs`, `deadline.rs`); the dead-letter headers (`Gophertok-Dead-*`) \
         by `libs/mesh/src/batch.rs`. The event payload types are named above; their \
         subjects' token layout is the doc comment of each domain's `event_subject`.\n",
    );
    out
}

fn domain_section(out: &mut String, domain: &Domain) {
    let service = domain.service.as_deref().unwrap_or_default();
    let _ = write!(
        out,
        "\n## {service}\n\n{}\n\nService `{service}` (queue group `q`), source \
         `libs/contract/src/{}`.\n\n| subject | request | reply | what it does |\n|---|---|---|---|\n",
        domain.doc, domain.file
    );
    for rpc in &domain.rpcs {
        let _ = writeln!(
            out,
            "| `{}` | `{}` | `{}` | {} |",
            rpc.subject, rpc.request, rpc.reply, rpc.doc
        );
    }
    if let Some(stream) = &domain.stream {
        let _ = write!(out, "\nEvents: stream `{stream}`");
        if let Some(consumer) = &domain.consumer {
            let _ = write!(out, ", persisted by the durable consumer `{consumer}`");
        }
        out.push_str(".\n\n");
        if let Some(subject) = &domain.event_subject {
            let _ = writeln!(out, "- subject {subject}");
        }
        for (name, doc) in &domain.events {
            let _ = writeln!(out, "- payload `{name}`: {doc}");
        }
    }
    if !domain.notices.is_empty() {
        out.push_str("\nNotices (core NATS, no stream):\n\n");
        for (subject, doc) in &domain.notices {
            match subject.as_str() {
                "" => writeln!(out, "- {doc}"),
                subject => writeln!(out, "- `{subject}`: {doc}"),
            }
            .unwrap();
        }
    }
}

fn streams_section(out: &mut String) {
    out.push_str("\n## Streams and consumers\n\nFrom `nats/streams/*.json` and `nats/consumers/*.json` \
                  (the server's own JSON format; `nats stream add --config` reads them too).\n\n\
                  | stream | subjects | retention | max age | description |\n|---|---|---|---|---|\n");
    for stream in definitions("streams") {
        let days = stream["max_age"].as_u64().unwrap_or_default() / 86_400_000_000_000;
        let subjects: Vec<String> = stream["subjects"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| format!("`{}`", s.as_str().unwrap_or_default()))
            .collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {days} days | {} |",
            text(&stream["name"]),
            subjects.join(", "),
            text(&stream["retention"]),
            text(&stream["description"]).replace('<', "&lt;")
        );
    }
    out.push_str("\n| consumer | filter | ack wait | max ack pending | description |\n|---|---|---|---|---|\n");
    for consumer in definitions("consumers") {
        let ack_wait = consumer["ack_wait"].as_u64().unwrap_or_default() / 1_000_000_000;
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {ack_wait} s | {} | {} |",
            text(&consumer["durable_name"]),
            text(&consumer["filter_subject"]),
            consumer["max_ack_pending"],
            text(&consumer["description"])
        );
    }
}

fn buckets_section(out: &mut String) {
    let keys: Vec<String> = liveconfig::KEYS
        .iter()
        .map(|key| format!("`{}`", key.name()))
        .collect();
    let media = settings::Settings::default().media.nats_bucket;
    let _ = write!(
        out,
        "\n## Buckets\n\n| bucket | kind | what |\n|---|---|---|\n\
         | `{}` (stream `KV_{}`) | key-value | the config centre (`libs/liveconfig`): the \
         run-time settings every instance watches — {}; written by `gophertok config` |\n\
         | `{media}` (stream `OBJ_{media}`, setting `media.nats_bucket`) | object store | \
         videos and covers when `media.store = \"nats\"` |\n",
        liveconfig::BUCKET,
        liveconfig::BUCKET,
        keys.join(", ")
    );
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}
