//! Object storage for videos and covers behind one trait, [`ObjectStore`], with two
//! implementations: S3 (any S3-compatible server) and the embedded default, the JetStream
//! object store, which needs no server besides NATS and works across hosts. Bodies are
//! streams both ways, so a 200 MiB video is never held whole in memory.

mod nats;
mod range;
mod s3;

use std::{pin::Pin, sync::Arc};

use bytes::Bytes;
use futures::{Stream, future::BoxFuture};
use settings::{MediaSettings, StoreKind};

pub use nats::NatsStore;
pub use range::ByteRange;
pub use s3::S3Store;

/// A body in transit: chunks of bytes, or the I/O error that ended it.
pub type ByteStream<'a> = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no such object: {0}")]
    NotFound(String),
    #[error("range not satisfiable for an object of {size} bytes")]
    RangeNotSatisfiable { size: u64 },
    #[error("reading the body to store: {0}")]
    Body(std::io::Error),
    /// The store has no room for the object (a bucket at its size limit).
    #[error("object store full: {0}")]
    Full(String),
    #[error("object store: {0}")]
    Backend(String),
}

/// What a read returns: the part asked for, where it sits in the whole, and the body.
pub struct ObjectRead {
    /// Size of the whole object.
    pub size: u64,
    /// First and last byte (inclusive) of the body within the object.
    pub start: u64,
    pub end: u64,
    pub content_type: String,
    pub body: ByteStream<'static>,
}

/// Object storage as the media code needs it. Keys are plain paths (`videos/…`).
pub trait ObjectStore: Send + Sync {
    /// Stores `body` under `key`, returning the number of bytes stored. If `body` fails, the
    /// object is not left behind.
    fn put<'a>(
        &'a self,
        key: &'a str,
        content_type: &'a str,
        body: ByteStream<'a>,
    ) -> BoxFuture<'a, Result<u64, StoreError>>;

    /// Reads the object, or the part of it that `range` names.
    fn get<'a>(
        &'a self,
        key: &'a str,
        range: Option<ByteRange>,
    ) -> BoxFuture<'a, Result<ObjectRead, StoreError>>;

    /// Deletes the object; deleting a missing object is not an error.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Keys under `prefix` (for operators and tests; not for request paths).
    fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<String>, StoreError>>;
}

/// The store the settings choose (its bucket created when missing, with `replicas` copies:
/// `nats.replicas`).
pub async fn connect(
    media: &MediaSettings,
    nats: &async_nats::Client,
    replicas: usize,
) -> Result<Arc<dyn ObjectStore>, StoreError> {
    Ok(match media.store {
        StoreKind::Nats => Arc::new(
            NatsStore::new(nats, &media.nats_bucket, media.nats_max_bytes).with_replicas(replicas),
        ),
        StoreKind::S3 => Arc::new(S3Store::open(&media.s3).await?),
    })
}

/// Reads a whole (small) object into memory — for covers and tests, never for videos.
pub async fn read_all(store: &dyn ObjectStore, key: &str) -> Result<Vec<u8>, StoreError> {
    use futures::TryStreamExt;
    let read = store.get(key, None).await?;
    let chunks: Vec<Bytes> = read.body.try_collect().await.map_err(StoreError::Body)?;
    Ok(chunks.concat())
}
