//! The embedded default: the JetStream object store. Objects are chunked into stream
//! messages (128 KiB each, well under the 1 MiB payload limit), so any host connected to
//! NATS can read what another host stored. Writes and range reads are our own (see
//! [`chunks`]); they keep the object store's layout, so NATS tools read the bucket as usual.

mod chunks;
mod seek;

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use async_nats::jetstream::{self, object_store, stream::Stream};
use futures::{TryStreamExt, future::BoxFuture};
use tokio::{io::AsyncReadExt, sync::OnceCell};
use tokio_util::io::ReaderStream;

use crate::{ByteRange, ByteStream, ObjectRead, ObjectStore, StoreError, range};

pub(crate) const CONTENT_TYPE: &str = "content-type";

pub struct NatsStore {
    js: jetstream::Context,
    name: String,
    max_bytes: i64,
    /// Copies JetStream keeps of the bucket's stream (`nats.replicas`).
    replicas: usize,
    bucket: OnceCell<Bucket>,
    /// Chunk bytes range reads fetched from NATS, for operators and tests.
    fetched: Arc<AtomicU64>,
}

/// The open bucket: the object store API, and the stream under it for our own reads and
/// writes.
struct Bucket {
    objects: object_store::ObjectStore,
    stream: Stream,
}

impl NatsStore {
    /// The object store bucket `name`, opened (and created when missing) on first use, so a
    /// process can start while NATS is still down. Its stream holds at most `max_bytes`, so
    /// uploads cannot take the JetStream storage the other streams need.
    pub fn new(client: &async_nats::Client, name: &str, max_bytes: u64) -> Self {
        Self {
            js: jetstream::new(client.clone()),
            name: name.to_owned(),
            max_bytes: i64::try_from(max_bytes).unwrap_or(i64::MAX),
            replicas: 1,
            bucket: OnceCell::new(),
            fetched: Arc::default(),
        }
    }

    /// Keeps `replicas` copies of the bucket (3 in a 3-node cluster, so a lost node or disk
    /// loses no video); an existing bucket is scaled to it when first opened.
    pub fn with_replicas(mut self, replicas: usize) -> Self {
        self.replicas = replicas;
        self
    }

    /// Chunk bytes read from NATS by `get` so far (a range read fetches only the chunks
    /// that hold its bytes).
    pub fn bytes_fetched(&self) -> u64 {
        self.fetched.load(Ordering::Relaxed)
    }

    fn target<'a>(&'a self, bucket: &'a Bucket) -> chunks::Target<'a> {
        chunks::Target {
            js: &self.js,
            stream: &bucket.stream,
            bucket: &self.name,
        }
    }

    async fn bucket(&self) -> Result<&Bucket, StoreError> {
        self.bucket.get_or_try_init(|| self.open()).await
    }

    async fn open(&self) -> Result<Bucket, StoreError> {
        let objects = match self.js.get_object_store(&self.name).await {
            Ok(bucket) => bucket,
            Err(_) => self.create().await?,
        };
        let mut stream = self
            .js
            .get_stream(format!("OBJ_{}", self.name))
            .await
            .map_err(backend)?;
        // A bucket created before the limit existed (or with other values) gets these.
        let mut config = stream.info().await.map_err(backend)?.config.clone();
        if config.max_bytes != self.max_bytes || config.num_replicas != self.replicas {
            config.max_bytes = self.max_bytes;
            config.num_replicas = self.replicas;
            self.js.update_stream(config).await.map_err(backend)?;
            await_replicas(&mut stream, self.replicas).await;
        }
        Ok(Bucket { objects, stream })
    }

    async fn create(&self) -> Result<object_store::ObjectStore, StoreError> {
        let config = object_store::Config {
            bucket: self.name.clone(),
            description: Some("GopherTok videos and covers".into()),
            max_bytes: self.max_bytes,
            num_replicas: self.replicas,
            ..Default::default()
        };
        match self.js.create_object_store(config).await {
            Ok(bucket) => Ok(bucket),
            // Another process created it a moment ago.
            Err(err) => self
                .js
                .get_object_store(&self.name)
                .await
                .map_err(|_| backend(err)),
        }
    }

    /// Reads objects stored without chunk positions (by other writers) the object store's
    /// way: sequentially, skipping to the start.
    async fn get_sequential(
        &self,
        bucket: &Bucket,
        key: &str,
        start: u64,
        length: u64,
    ) -> Result<ByteStream<'static>, StoreError> {
        let mut object = bucket.objects.get(key).await.map_err(backend)?;
        let mut skip = (&mut object).take(start);
        let skipped = tokio::io::copy(&mut skip, &mut tokio::io::sink())
            .await
            .map_err(backend)?;
        self.fetched.fetch_add(skipped, Ordering::Relaxed);
        let fetched = Arc::clone(&self.fetched);
        let body = ReaderStream::new(object.take(length)).inspect_ok(move |chunk| {
            fetched.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        });
        Ok(Box::pin(body))
    }
}

pub(crate) fn backend(err: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(err.to_string())
}

impl ObjectStore for NatsStore {
    fn put<'a>(
        &'a self,
        key: &'a str,
        content_type: &'a str,
        body: ByteStream<'a>,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move {
            let bucket = self.bucket().await?;
            let target = self.target(bucket);
            let replaced = bucket
                .objects
                .info(key)
                .await
                .ok()
                .filter(|old| !old.deleted);
            let size = target.put(key, content_type, body).await?;
            if let Some(old) = replaced {
                target.purge_quietly(&old.nuid).await;
            }
            Ok(size)
        })
    }

    fn get<'a>(
        &'a self,
        key: &'a str,
        range: Option<ByteRange>,
    ) -> BoxFuture<'a, Result<ObjectRead, StoreError>> {
        Box::pin(async move {
            let bucket = self.bucket().await?;
            let info = bucket
                .objects
                .info(key)
                .await
                .map_err(|err| match err.kind() {
                    object_store::InfoErrorKind::NotFound => StoreError::NotFound(key.to_owned()),
                    _ => backend(err),
                })?;
            if info.deleted {
                return Err(StoreError::NotFound(key.to_owned()));
            }
            let size = info.size as u64;
            let content_type = info
                .metadata
                .get(CONTENT_TYPE)
                .cloned()
                .unwrap_or_else(|| "application/octet-stream".into());
            let (start, end) = range::span(range, size)?;
            let length = if size == 0 { 0 } else { end - start + 1 };
            let body = match seek::Seek::of(&info) {
                Some(seek) if length > 0 => {
                    seek.read(bucket.stream.clone(), start, end, Arc::clone(&self.fetched))
                }
                _ => self.get_sequential(bucket, key, start, length).await?,
            };
            Ok(ObjectRead {
                size,
                start,
                end,
                content_type,
                body,
            })
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let bucket = self.bucket().await?;
            match bucket.objects.info(key).await {
                Ok(info) => self.target(bucket).delete(key, &info.nuid).await,
                Err(err) if err.kind() == object_store::InfoErrorKind::NotFound => Ok(()),
                Err(err) => Err(backend(err)),
            }
        })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        Box::pin(async move {
            let list = self.bucket().await?.objects.list().await.map_err(backend)?;
            let infos: Vec<object_store::ObjectInfo> = list.try_collect().await.map_err(backend)?;
            Ok(infos
                .into_iter()
                .filter(|info| !info.deleted && info.name.starts_with(prefix))
                .map(|info| info.name)
                .collect())
        })
    }
}

/// Waits (up to 10 s) until a stream scaled to `replicas` has them all caught up: writes
/// made while the new copies join time out, and the first upload after a scale-up would
/// fail. Past the wait the store is used anyway; JetStream finishes the scale-up itself.
async fn await_replicas(stream: &mut Stream, replicas: usize) {
    if replicas <= 1 {
        return;
    }
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        let ready = stream.info().await.is_ok_and(|info| {
            info.cluster.as_ref().is_some_and(|cluster| {
                cluster.leader.is_some()
                    && cluster.replicas.len() + 1 >= replicas
                    && cluster.replicas.iter().all(|peer| peer.current)
            })
        });
        if ready {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
