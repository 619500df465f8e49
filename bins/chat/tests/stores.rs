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

/// The ids of the first 100 messages between `a` and `b` after `after_ms`.
async fn ids_after(store: &dyn ChatStore, a: i64, b: i64, after_ms: i64) -> Vec<i64> {
    let page = store.after(a, b, after_ms, 100).await.unwrap();
    page.iter().map(|m| m.id).collect()
}

async fn suite(store: &dyn ChatStore) {
    // Both directions, interleaved with another conversation.
    store.append(&message(1, 10, 20, 1_000)).await.unwrap();
    store.append(&message(2, 20, 10, 1_001)).await.unwrap();
    store.append(&message(3, 10, 30, 1_002)).await.unwrap();
    store.append(&message(4, 10, 20, 1_003)).await.unwrap();
    let all = ids_after(store, 20, 10, 0).await;
    assert_eq!(
        all,
        [1, 2, 4],
        "both directions, oldest first, only this conversation"
    );
    let newer = ids_after(store, 10, 20, 1_001).await;
    assert_eq!(newer, [4], "strictly newer than the time given");
    assert!(
        store.after(10, 20, 1_003, 100).await.unwrap().is_empty(),
        "a poll at the newest time"
    );

    let latest = store.latest(10, &[20, 30, 40]).await.unwrap();
    assert_eq!(latest[0].as_ref().map(|m| m.id), Some(4));
    assert_eq!(latest[1].as_ref().map(|m| m.id), Some(3));
    assert_eq!(latest[2], None);
    // A message from a lagging clock is stored after the latest, so a poll at the newest time
    // still finds it, and it is the latest.
    let late = store.append(&message(5, 20, 10, 999)).await.unwrap();
    assert_eq!(late, 1_004, "after the conversation's latest (1003)");
    let after_latest = ids_after(store, 10, 20, 1_003).await;
    assert_eq!(
        after_latest,
        [5],
        "the late message is found by the next poll"
    );
    assert_eq!(
        store.latest(20, &[10]).await.unwrap()[0]
            .as_ref()
            .map(|m| (m.id, m.create_time)),
        Some((5, 1_004))
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

/// Milliseconds since the epoch on this host, moved by `skew_ms` (another instance's clock).
fn clock(skew_ms: i64) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    now.as_millis() as i64 + skew_ms
}

/// Two store instances (own pools, one clock 2 s behind) with concurrent senders in one
/// conversation, and a poller asking for messages strictly after the newest time it saw: it
/// sees every message exactly once, in strictly rising times. With the sender's clock as the
/// time, the lagging instance's messages land behind the poller and are never returned.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_poller_sees_every_message_once_across_instances_with_skewed_clocks() {
    use std::sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    };
    const SENDERS: i64 = 4;
    const EACH: i64 = 40;
    let db = TestDb::create().await.unwrap();
    let other = MysqlStore {
        db: sqlx::MySqlPool::connect(&db.url).await.unwrap(),
    };
    let instances = [
        (Arc::new(MysqlStore { db: db.pool }), 0),
        (Arc::new(other), -2_000),
    ];
    let poll_store = Arc::clone(&instances[0].0);
    let done = Arc::new(AtomicBool::new(false));
    let poller = tokio::spawn({
        let done = Arc::clone(&done);
        async move {
            let (mut seen, mut after) = (Vec::new(), 0);
            loop {
                // Read the flag first: a poll that starts after the senders ended is the last.
                let last = done.load(Ordering::SeqCst);
                for m in poll_store.after(10, 20, after, 1_000).await.unwrap() {
                    assert!(m.create_time > after, "times rise along the polls");
                    after = m.create_time;
                    seen.push(m.id);
                }
                if last {
                    return seen;
                }
            }
        }
    });
    let mut senders = Vec::new();
    for (i, (store, skew)) in instances.iter().enumerate() {
        for s in 0..SENDERS {
            let store = Arc::clone(store);
            let skew = *skew;
            let base = (i as i64 * SENDERS + s) * EACH;
            senders.push(tokio::spawn(async move {
                let mut times = Vec::new();
                for n in 0..EACH {
                    let (from, to) = if n % 2 == 0 { (10, 20) } else { (20, 10) };
                    let m = message(base + n + 1, from, to, clock(skew));
                    times.push(store.append(&m).await.unwrap());
                }
                times
            }));
        }
    }
    for sender in senders {
        let times = sender.await.unwrap();
        assert!(
            times.windows(2).all(|w| w[0] < w[1]),
            "one sender's messages get rising times: {times:?}"
        );
    }
    done.store(true, Ordering::SeqCst);
    let mut seen = poller.await.unwrap();
    let total = 2 * SENDERS * EACH;
    assert_eq!(seen.len() as i64, total, "every message seen exactly once");
    seen.sort_unstable();
    assert_eq!(
        seen,
        (1..=total).collect::<Vec<_>>(),
        "no message missed or twice"
    );
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
