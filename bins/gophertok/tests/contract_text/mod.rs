//! The NATS contract read from the source text of `libs/contract` and the stream / consumer
//! files in `nats/`: every `impl Rpc for X` with its subject, reply type and the doc comment
//! of `X`, and per domain its service, stream, persistence consumer and event types. The
//! subject reference (`docs/subjects.md`) is generated from it, and the mesh test checks the
//! live endpoints against it. The text is read rather than the types because Rust cannot
//! list a trait's implementations; a test in `docs.rs` checks that nothing was missed.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, dead_code)]

use std::{collections::HashMap, path::PathBuf};

use serde_json::Value;

/// One request type.
#[derive(Debug, Clone)]
pub struct Rpc {
    pub request: String,
    pub subject: String,
    pub reply: String,
    pub doc: String,
}

/// One file of `libs/contract/src`.
#[derive(Debug, Default)]
pub struct Domain {
    pub file: String,
    pub doc: String,
    pub service: Option<String>,
    pub stream: Option<String>,
    pub consumer: Option<String>,
    /// `(type, doc)` of every `…Event` type.
    pub events: Vec<(String, String)>,
    /// The doc comment of `event_subject`, which spells out the subject's tokens.
    pub event_subject: Option<String>,
    /// `(subject, doc)` of each core-NATS notice (`pub const …_SUBJECT: &str = "evt…"`, or
    /// the doc comment of `notice_subject`, which spells out its tokens; subject empty).
    pub notices: Vec<(String, String)>,
    pub rpcs: Vec<Rpc>,
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file of the contract crate, by name.
pub fn domains() -> Vec<Domain> {
    files("libs/contract/src", "rs")
        .iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            parse(&name, &std::fs::read_to_string(path).unwrap())
        })
        .collect()
}

/// Every request type of every domain.
pub fn rpcs() -> Vec<Rpc> {
    domains().into_iter().flat_map(|d| d.rpcs).collect()
}

/// Reads one source file: doc comments are collected and handed to the item they precede.
pub fn parse(file: &str, text: &str) -> Domain {
    let mut domain = Domain {
        file: file.to_owned(),
        ..Domain::default()
    };
    let mut doc: Vec<&str> = Vec::new();
    let mut docs: HashMap<String, String> = HashMap::new();
    let mut open_impl: Option<Rpc> = None;
    for line in text.lines().map(str::trim) {
        if line == "#[cfg(test)]" {
            break; // the tests' own demo types are not the contract
        }
        if let Some(rest) = line.strip_prefix("//!") {
            push_line(&mut domain.doc, rest);
        } else if let Some(rest) = line.strip_prefix("///") {
            doc.push(rest.trim());
        } else if line.starts_with("#[") {
            continue;
        } else if let Some(name) = item_name(line, "pub struct ").or(item_name(line, "pub enum ")) {
            if name.ends_with("Event") && domain.stream.is_some() {
                domain.events.push((name.clone(), doc.join(" ")));
            }
            docs.insert(name, doc.join(" "));
        } else if let Some(value) = const_str(line, "pub const SERVICE") {
            domain.service = Some(value);
        } else if let Some(value) = const_str(line, "pub const STREAM") {
            domain.stream = Some(value);
        } else if let Some(value) = const_str(line, "pub const PERSIST_CONSUMER") {
            domain.consumer = Some(value);
        } else if line.starts_with("pub fn event_subject") {
            domain.event_subject = Some(doc.join(" "));
        } else if line.starts_with("pub fn notice_subject") {
            domain.notices.push((String::new(), doc.join(" ")));
        } else if let Some(subject) = notice_const(line) {
            domain.notices.push((subject, doc.join(" ")));
        } else if let Some(name) = line.strip_prefix("impl Rpc for ") {
            let request = name.trim_end_matches('{').trim().to_owned();
            let doc = docs.get(&request).cloned().unwrap_or_default();
            open_impl = Some(Rpc {
                request,
                subject: String::new(),
                reply: String::new(),
                doc,
            });
        } else if let (Some(rpc), Some(subject)) =
            (open_impl.as_mut(), const_str(line, "const SUBJECT"))
        {
            rpc.subject = subject;
        } else if let (Some(rpc), Some(reply)) =
            (open_impl.as_mut(), line.strip_prefix("type Reply = "))
        {
            rpc.reply = reply.trim_end_matches(';').to_owned();
        } else if line == "}" {
            domain.rpcs.extend(open_impl.take());
        }
        if !line.starts_with("///") && !line.starts_with("#[") {
            doc.clear();
        }
    }
    domain
}

fn push_line(into: &mut String, line: &str) {
    if !into.is_empty() {
        into.push(' ');
    }
    into.push_str(line.trim());
}

/// `Name` of `pub struct Name {`, `pub struct Name(…)` or `pub struct Name;`.
fn item_name(line: &str, prefix: &str) -> Option<String> {
    let rest = line.strip_prefix(prefix)?;
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// The string literal of `<prefix>…: &str = "value";`.
/// The subject of `pub const NAME_SUBJECT: &str = "evt…";`.
fn notice_const(line: &str) -> Option<String> {
    let (name, _) = line.strip_prefix("pub const ")?.split_once(':')?;
    let subject = const_str(line, "pub const ")?;
    (name.ends_with("_SUBJECT") && subject.starts_with("evt.")).then_some(subject)
}

fn const_str(line: &str, prefix: &str) -> Option<String> {
    let rest = line.strip_prefix(prefix)?;
    let start = rest.find('"')? + 1;
    let end = start + rest[start..].find('"')?;
    Some(rest[start..end].to_owned())
}

/// The JSON definitions in `nats/<dir>/`, by file name.
pub fn definitions(dir: &str) -> Vec<Value> {
    files(&format!("nats/{dir}"), "json")
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

/// The files ending in `.<ext>` in the repository's `dir`, sorted (so output is stable).
fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}
