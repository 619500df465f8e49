//! `gophertok mesh` against a running all-in-one: it lists every domain service with its
//! instance and every endpoint the contract defines, and the streams with their consumers,
//! whose counts match the writes the test made; on a bus with no service it says so.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod contract_text;
mod support;

use std::{
    collections::BTreeSet,
    time::{Duration, Instant},
};

use serde_json::Value;
use testkit::TestEnv;
use tokio::process::Command;

/// Follows the test makes: one event each in RELATIONS.
const FOLLOWS: u64 = 3;

#[tokio::test]
async fn mesh_lists_every_service_endpoint_stream_and_consumer_with_their_counts() {
    let env = TestEnv::start().await.unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let (_child, base) = support::start(&env, cwd.path(), &http, &[]).await;
    let (token, others) = users(&http, &base).await;
    for other in &others {
        let followed = post(
            &http,
            &format!(
                "{base}/douyin/relation/action/?token={token}&to_user_id={other}&action_type=1"
            ),
        )
        .await;
        assert_eq!(followed["status_code"], 0, "{followed}");
    }

    let report = persisted_report(&env).await;
    assert_every_endpoint_is_served(&report);
    let relations = stream(&report, "RELATIONS");
    assert_eq!(relations["messages"], FOLLOWS, "{relations}");
    assert_eq!(relations["last_seq"], FOLLOWS, "{relations}");
    let persist = consumer(relations, "relation-persist");
    assert_eq!(persist["ack_floor"], FOLLOWS, "{persist}");
    assert_eq!(persist["dead_letters"], 0, "{persist}");
    assert_eq!(persist["durable"], true, "{persist}");
    for (stream_name, name) in [
        ("FAVORITES", "favorite-persist"),
        ("COMMENTS", "comment-persist"),
    ] {
        let stream = stream(&report, stream_name);
        assert_eq!(stream["messages"], 0, "{stream}");
        assert_eq!(consumer(stream, name)["lag"], 0, "{stream}");
    }
    assert_eq!(stream(&report, "DEAD_LETTERS")["messages"], 0);

    let table = mesh(&env, &[]).await;
    assert_columns_line_up(&table, "DEAD LETTERS", "relation-persist");
    for needle in [
        "relation.v1.set",
        "user.v1.get",
        "relation-persist",
        "DEAD LETTERS",
        "RELATIONS",
    ] {
        assert!(table.contains(needle), "{needle} missing from:\n{table}");
    }
}

#[tokio::test]
async fn mesh_on_a_bus_with_no_service_says_so_and_succeeds() {
    let env = TestEnv::start().await.unwrap();
    let table = mesh(&env, &[]).await;
    assert!(table.contains("Services: 0 (0 instances)"), "{table}");
}

/// The row holding `cell` has one cell per column of the header line holding `header`
/// (cells are at least two spaces apart; a header may have one space inside; the row must
/// have no empty cell).
fn assert_columns_line_up(table: &str, header: &str, cell: &str) {
    let cells = |line: &str| line.split("  ").filter(|c| !c.trim().is_empty()).count();
    let head = table.lines().find(|l| l.contains(header)).unwrap();
    let row = table.lines().find(|l| l.contains(cell)).unwrap();
    assert_eq!(cells(row), cells(head), "{head}\n{row}");
}

/// Every request subject of the contract is an endpoint of the service its first token
/// names, and every live endpoint is in the contract.
fn assert_every_endpoint_is_served(report: &Value) {
    let expected: BTreeSet<String> = contract_text::rpcs()
        .into_iter()
        .map(|r| r.subject)
        .collect();
    let mut served = BTreeSet::new();
    for service in report["services"].as_array().unwrap() {
        let name = service["name"].as_str().unwrap();
        let instances = service["instances"].as_array().unwrap();
        assert_eq!(instances.len(), 1, "{service}");
        for endpoint in instances[0]["endpoints"].as_array().unwrap() {
            let subject = endpoint["subject"].as_str().unwrap();
            assert!(subject.starts_with(&format!("{name}.")), "{service}");
            // docs/subjects.md says so: the service API's default queue group.
            assert_eq!(endpoint["queue_group"], "q", "{service}");
            served.insert(subject.to_owned());
        }
    }
    assert_eq!(served, expected);
    let names: BTreeSet<&str> = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    let domains = ["chat", "comment", "favorite", "relation", "user", "video"];
    assert_eq!(names, domains.into_iter().collect());
}

/// The JSON report once `relation-persist` has persisted every follow (its lag is 0).
async fn persisted_report(env: &TestEnv) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let report: Value = serde_json::from_str(&mesh(env, &["--json"]).await).unwrap();
        let consumer = consumer(stream(&report, "RELATIONS"), "relation-persist");
        if consumer["lag"] == 0 && consumer["ack_floor"] == FOLLOWS {
            return report;
        }
        assert!(
            Instant::now() < deadline,
            "not persisted within 15 s: {report}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn stream<'a>(report: &'a Value, name: &str) -> &'a Value {
    named(&report["streams"], name)
}

/// The durable `name` among the stream's consumers (the workers' in-memory stream tails
/// add ephemeral ones).
fn consumer<'a>(stream: &'a Value, name: &str) -> &'a Value {
    named(&stream["consumers"], name)
}

/// The element of the array `list` whose `name` is `name`.
fn named<'a>(list: &'a Value, name: &str) -> &'a Value {
    let items = list.as_array().unwrap();
    items
        .iter()
        .find(|item| item["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

/// Runs `gophertok mesh <args>` as a user would and returns what it printed.
async fn mesh(env: &TestEnv, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_gophertok"))
        .arg("mesh")
        .args(["--window-ms", "300"])
        .args(args)
        .envs(env.nats_env())
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "gophertok mesh failed: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

/// Registers a follower (its token) and `FOLLOWS` users to follow (their ids).
async fn users(http: &reqwest::Client, base: &str) -> (String, Vec<i64>) {
    let mut registered = Vec::new();
    for i in 0..=FOLLOWS {
        let user = post(
            http,
            &format!("{base}/douyin/user/register/?username=mesh{i}&password=secret1"),
        )
        .await;
        assert_eq!(user["status_code"], 0, "{user}");
        registered.push(user);
    }
    let token = registered[0]["token"].as_str().unwrap().to_owned();
    let ids = registered[1..]
        .iter()
        .map(|u| u["user_id"].as_i64().unwrap())
        .collect();
    (token, ids)
}

async fn post(http: &reqwest::Client, url: &str) -> Value {
    http.post(url).send().await.unwrap().json().await.unwrap()
}
