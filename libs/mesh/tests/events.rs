//! Events against a real nats-server with JetStream: a message id makes a republished copy
//! within the duplicate window one stored message (the PubAck says so, with the original's
//! sequence, and `stored` reads it back); no id stores every copy; and a stream file's new
//! duplicate window applies to a stream that already exists.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use async_nats::jetstream;
use mesh::events::{Stored, publish, stored};
use serde::{Deserialize, Serialize};
use testkit::NatsServer;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Said {
    text: String,
}

fn stream_file(window_ns: u64) -> String {
    format!(
        r#"{{"name": "SAID", "subjects": ["said.>"], "storage": "memory", "retention": "limits", "discard": "old", "num_replicas": 1, "duplicate_window": {window_ns}}}"#
    )
}

async fn context(server: &NatsServer) -> jetstream::Context {
    jetstream::new(server.client().await.unwrap())
}

#[tokio::test]
async fn a_message_id_stores_a_copy_once_and_no_id_stores_each() {
    let server = NatsServer::start().await.unwrap();
    let js = context(&server).await;
    mesh::streams::ensure(&js, &stream_file(10_000_000_000), &[], None)
        .await
        .unwrap();
    let first = Said { text: "one".into() };
    let copy = Said {
        text: "a retry's own copy".into(),
    };
    let subject = || "said.1".to_owned();

    let stored_first = publish(&js, subject(), &first, Some("id-1")).await.unwrap();
    let retried = publish(&js, subject(), &copy, Some("id-1")).await.unwrap();
    assert_eq!(
        retried,
        Stored {
            sequence: stored_first.sequence,
            duplicate: true
        }
    );
    assert!(!stored_first.duplicate);
    let kept: Said = stored(&js, "SAID", retried.sequence).await.unwrap();
    assert_eq!(kept, first, "the stream kept the first copy");

    let a = publish(&js, subject(), &first, None).await.unwrap();
    let b = publish(&js, subject(), &first, None).await.unwrap();
    assert!(!a.duplicate && !b.duplicate);
    assert_eq!(b.sequence, a.sequence + 1);
}

#[tokio::test]
async fn an_existing_stream_takes_the_files_new_duplicate_window() {
    let server = NatsServer::start().await.unwrap();
    let js = context(&server).await;
    let ensure = |window_ns: u64| {
        let js = js.clone();
        async move {
            mesh::streams::ensure(&js, &stream_file(window_ns), &[], None)
                .await
                .unwrap();
            let mut stream = js.get_stream("SAID").await.unwrap();
            stream.info().await.unwrap().config.duplicate_window
        }
    };
    assert_eq!(ensure(120_000_000_000).await, Duration::from_secs(120));
    assert_eq!(ensure(10_000_000_000).await, Duration::from_secs(10));
}
