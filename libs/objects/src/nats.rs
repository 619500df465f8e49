//! The embedded default: the JetStream object store. Objects are chunked into stream
//! messages (128 KiB each, well under the 1 MiB payload limit), so any host connected to
//! NATS can read what another host stored.

use std::collections::HashMap;

use async_nats::jetstream::{
    self,
    object_store::{self, GetErrorKind, ObjectMetadata},
};
use futures::{TryStreamExt, future::BoxFuture};
use tokio::{io::AsyncReadExt, sync::OnceCell};
use tokio_util::io::{ReaderStream, StreamReader};

use crate::{ByteRange, ByteStream, ObjectRead, ObjectStore, StoreError, range};

const CONTENT_TYPE: &str = "content-type";

pub struct NatsStore {
    js: jetstream::Context,
    name: String,
    bucket: OnceCell<object_store::ObjectStore>,
}

impl NatsStore {
    /// The object store bucket `name`, opened (and created when missing) on first use, so a
    /// process can start while NATS is still down.
    pub fn new(client: &async_nats::Client, name: &str) -> Self {
        Self {
            js: jetstream::new(client.clone()),
            name: name.to_owned(),
            bucket: OnceCell::new(),
        }
    }

    async fn bucket(&self) -> Result<&object_store::ObjectStore, StoreError> {
        self.bucket
            .get_or_try_init(|| async {
                if let Ok(bucket) = self.js.get_object_store(&self.name).await {
                    return Ok(bucket);
                }
                let config = object_store::Config {
                    bucket: self.name.clone(),
                    description: Some("GopherTok videos and covers".into()),
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
            })
            .await
    }
}

fn backend(err: impl std::fmt::Display) -> StoreError {
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
            let meta = ObjectMetadata {
                name: key.to_owned(),
                metadata: HashMap::from([(CONTENT_TYPE.to_owned(), content_type.to_owned())]),
                ..Default::default()
            };
            // The body's own error (e.g. "over the size cap") must win over the store's.
            let failure = std::sync::Arc::new(std::sync::Mutex::new(None));
            let seen = std::sync::Arc::clone(&failure);
            let body = body.inspect_err(move |err| {
                let mut slot = seen.lock().unwrap_or_else(|p| p.into_inner());
                *slot = Some(std::io::Error::new(err.kind(), err.to_string()));
            });
            let mut reader = StreamReader::new(body);
            let bucket = self.bucket().await?;
            let result = bucket.put(meta, &mut reader).await;
            let body_error = failure.lock().unwrap_or_else(|p| p.into_inner()).take();
            match (result, body_error) {
                (Ok(info), None) => Ok(info.size as u64),
                (result, body_error) => {
                    // A failed put can leave chunks behind: remove them.
                    let _ = bucket.delete(key).await;
                    Err(body_error.map_or_else(
                        || backend(result.err().map(|e| e.to_string()).unwrap_or_default()),
                        StoreError::Body,
                    ))
                }
            }
        })
    }

    fn get<'a>(
        &'a self,
        key: &'a str,
        range: Option<ByteRange>,
    ) -> BoxFuture<'a, Result<ObjectRead, StoreError>> {
        Box::pin(async move {
            let mut object =
                self.bucket()
                    .await?
                    .get(key)
                    .await
                    .map_err(|err| match err.kind() {
                        GetErrorKind::NotFound => StoreError::NotFound(key.to_owned()),
                        _ => backend(err),
                    })?;
            let info = object.info();
            let size = info.size as u64;
            let content_type = info
                .metadata
                .get(CONTENT_TYPE)
                .cloned()
                .unwrap_or_else(|| "application/octet-stream".into());
            let (start, end) = range::span(range, size)?;
            // The object store reads sequentially: skip to the start without keeping bytes.
            let mut skip = (&mut object).take(start);
            tokio::io::copy(&mut skip, &mut tokio::io::sink())
                .await
                .map_err(backend)?;
            let length = if size == 0 { 0 } else { end - start + 1 };
            let body = ReaderStream::new(object.take(length));
            Ok(ObjectRead {
                size,
                start,
                end,
                content_type,
                body: Box::pin(body),
            })
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            match self.bucket().await?.delete(key).await {
                Ok(()) => Ok(()),
                Err(err) if err.kind() == object_store::DeleteErrorKind::NotFound => Ok(()),
                Err(err) => Err(backend(err)),
            }
        })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        Box::pin(async move {
            let list = self.bucket().await?.list().await.map_err(backend)?;
            let infos: Vec<object_store::ObjectInfo> = list.try_collect().await.map_err(backend)?;
            Ok(infos
                .into_iter()
                .filter(|info| !info.deleted && info.name.starts_with(prefix))
                .map(|info| info.name)
                .collect())
        })
    }
}
