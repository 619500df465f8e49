//! Waits on JetStream itself for persistence: a durable consumer's ack floor says which
//! events are in MySQL, so a test never mistakes "not persisted yet" for "persisted".

use std::time::{Duration, Instant};

use async_nats::jetstream::{consumer, stream::Stream};

use crate::app::App;

/// The persistence consumer of one stream (e.g. `contract::favorite::STREAM` and
/// `contract::favorite::PERSIST_CONSUMER`).
#[derive(Clone, Copy)]
pub(crate) struct Persistence {
    pub stream: &'static str,
    pub consumer: &'static str,
}

pub(crate) const FAVORITES: Persistence = Persistence {
    stream: contract::favorite::STREAM,
    consumer: contract::favorite::PERSIST_CONSUMER,
};

pub(crate) const COMMENTS: Persistence = Persistence {
    stream: contract::comment::STREAM,
    consumer: contract::comment::PERSIST_CONSUMER,
};

pub(crate) const RELATIONS: Persistence = Persistence {
    stream: contract::relation::STREAM,
    consumer: contract::relation::PERSIST_CONSUMER,
};

impl Persistence {
    async fn stream(self, app: &App) -> Stream {
        let js = async_nats::jetstream::new(app.env.nats_client().await.unwrap());
        js.get_stream(self.stream).await.unwrap()
    }

    /// The stream's last sequence: everything published so far.
    pub(crate) async fn last_sequence(self, app: &App) -> u64 {
        let mut stream = self.stream(app).await;
        stream.info().await.unwrap().state.last_sequence
    }

    /// The consumer's state as the server sees it (delivered, ack floor, pending acks).
    pub(crate) async fn consumer_info(self, app: &App) -> consumer::Info {
        self.stream(app)
            .await
            .consumer_info(self.consumer)
            .await
            .unwrap()
    }

    /// Waits until every event published so far is acknowledged, i.e. in MySQL.
    pub(crate) async fn everything_persisted(self, app: &App) {
        let last = self.last_sequence(app).await;
        self.persisted_through(app, last).await;
    }

    /// Waits until the consumer has acknowledged every event up to `seq`.
    pub(crate) async fn persisted_through(self, app: &App, seq: u64) {
        let stream = self.stream(app).await;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let info = stream.consumer_info(self.consumer).await.unwrap();
            if info.ack_floor.stream_sequence >= seq {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}: events up to {seq} were not persisted in 30 s (ack floor {})",
                self.consumer,
                info.ack_floor.stream_sequence
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the consumer holds `count` delivered, unacknowledged messages.
    pub(crate) async fn holding(self, app: &App, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let info = self.consumer_info(app).await;
            if info.num_ack_pending == count {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}: {} messages awaiting an ack, want {count}",
                self.consumer,
                info.num_ack_pending
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
