//! One suite, two chat stores: MySQL always; ScyllaDB when `GOPHERTOK_TEST_SCYLLA` names a
//! node (`host:port`) — otherwise it says, visibly, that it was skipped.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use chat::store::{ChatStore, MysqlStore, ScyllaStore};
use contract::chat::MessageInfo;
use testkit::TestDb;

fn message(id: i64, from_id: i64, to_id: i64, create_time: i64) -> MessageInfo {
    MessageInfo {
        id,
        from_id,
        to_id,
        content: format!("m{id}"),
        create_time,
    }
}

async fn suite(store: &dyn ChatStore) {
    // Both directions, interleaved with another conversation.
    store.append(&message(1, 10, 20, 1_000)).await.unwrap();
    store.append(&message(2, 20, 10, 1_001)).await.unwrap();
    store.append(&message(3, 10, 30, 1_002)).await.unwrap();
    store.append(&message(4, 10, 20, 1_003)).await.unwrap();
    let all: Vec<i64> = store
        .after(20, 10, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(
        all,
        [1, 2, 4],
        "both directions, oldest first, only this conversation"
    );
    let newer: Vec<i64> = store
        .after(10, 20, 1_001, 100)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(newer, [4], "strictly newer than the time given");
    assert!(
        store.after(10, 20, 1_003, 100).await.unwrap().is_empty(),
        "a poll at the newest time"
    );

    let latest = store.latest(10, &[20, 30, 40]).await.unwrap();
    assert_eq!(latest[0].as_ref().map(|m| m.id), Some(4));
    assert_eq!(latest[1].as_ref().map(|m| m.id), Some(3));
    assert_eq!(latest[2], None);
    // An older message stored late does not replace the latest.
    store.append(&message(5, 20, 10, 999)).await.unwrap();
    assert_eq!(
        store.latest(20, &[10]).await.unwrap()[0]
            .as_ref()
            .map(|m| m.id),
        Some(4)
    );

    // 1000 messages page correctly by time.
    for i in 0..1_000 {
        store
            .append(&message(100 + i, 50 + i % 2, 51 - i % 2, 10_000 + i))
            .await
            .unwrap();
    }
    let (mut seen, mut after) = (Vec::new(), 0);
    // Ten full pages and an empty one; a page that never advances fails instead of hanging.
    for pages in 1.. {
        assert!(
            pages <= 12,
            "paging did not end after 11 pages: {} seen",
            seen.len()
        );
        let page = store.after(50, 51, after, 100).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 100);
        after = page.last().unwrap().create_time;
        seen.extend(page.into_iter().map(|m| m.id));
    }
    assert_eq!(seen, (100..1_100).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_mysql_store_passes_the_suite() {
    let db = TestDb::create().await.unwrap();
    suite(&MysqlStore { db: db.pool }).await;
}

#[tokio::test]
async fn the_scylla_store_passes_the_suite_when_a_server_is_configured() {
    let Ok(node) = std::env::var("GOPHERTOK_TEST_SCYLLA") else {
        // Written to the real stderr, past the test harness's capture: a skip must show.
        use std::io::Write;
        let line = "skipped: no ScyllaDB (set GOPHERTOK_TEST_SCYLLA=host:port to run this suite)";
        let _ = writeln!(std::io::stderr(), "{line}");
        return;
    };
    let settings = settings::ScyllaSettings {
        nodes: vec![node],
        keyspace: testkit::unique_name("gt_test_"),
        ..Default::default()
    };
    suite(&ScyllaStore::connect(&settings).await.unwrap()).await;
}
