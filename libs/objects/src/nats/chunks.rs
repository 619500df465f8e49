//! Our own object store put, on JetStream directly. The library's put hides the id of the
//! chunk subject until it succeeds, so a failed upload left every chunk it had written in
//! the stream (a client cut off after 30 MB left 30 MB). Here the subject is ours: whatever
//! fails, its chunks are purged. Each chunk is exactly [`CHUNK_SIZE`] bytes (the last one
//! fewer) and the metadata records the stream sequences the chunks landed at, which lets a
//! range read fetch only the chunks it needs ([`super::seek`]).

use std::collections::HashMap;

use async_nats::{
    HeaderMap,
    jetstream::{
        self,
        object_store::{ObjectInfo, ObjectOptions},
        stream::Stream,
    },
};
use base64::{Engine, engine::general_purpose::URL_SAFE};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use sha2::{Digest, Sha256};

use super::{CONTENT_TYPE, backend};
use crate::{ByteStream, StoreError};

/// The object store's default chunk size.
pub(super) const CHUNK_SIZE: usize = 128 * 1024;
/// Metadata entry holding the chunks' stream sequences as `first:count` runs.
pub(super) const SEQUENCES: &str = "gophertok-chunk-sequences";

/// Where an object's chunks sit in the stream: runs of consecutive sequences (one run when
/// no other upload interleaved).
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ChunkRuns(Vec<(u64, u64)>);

impl ChunkRuns {
    fn push(&mut self, sequence: u64) {
        match self.0.last_mut() {
            Some((first, count)) if *first + *count == sequence => *count += 1,
            _ => self.0.push((sequence, 1)),
        }
    }

    fn encode(&self) -> String {
        let runs: Vec<String> = self.0.iter().map(|(f, c)| format!("{f}:{c}")).collect();
        runs.join(",")
    }

    pub(super) fn parse(text: &str) -> Option<ChunkRuns> {
        let runs = text.split(',').filter(|run| !run.is_empty()).map(|run| {
            let (first, count) = run.split_once(':')?;
            Some((first.parse().ok()?, count.parse().ok()?))
        });
        runs.collect::<Option<Vec<_>>>().map(ChunkRuns)
    }

    pub(super) fn chunks(&self) -> u64 {
        self.0.iter().map(|(_, count)| count).sum()
    }

    /// The stream sequences of chunks `from..=to`.
    pub(super) fn sequences(&self, from: u64, to: u64) -> Vec<u64> {
        let all = self
            .0
            .iter()
            .flat_map(|&(first, count)| first..first + count);
        all.skip(from as usize)
            .take((to - from + 1) as usize)
            .collect()
    }
}

/// The bucket a put writes to.
pub(super) struct Target<'a> {
    pub js: &'a jetstream::Context,
    pub stream: &'a Stream,
    pub bucket: &'a str,
}

/// What went into the chunk subject.
#[derive(Default)]
struct Written {
    size: u64,
    runs: ChunkRuns,
    sha256: Sha256,
}

impl Target<'_> {
    /// Stores `body` under `key`; on any failure nothing of it stays in the stream.
    pub async fn put(
        &self,
        key: &str,
        content_type: &str,
        body: ByteStream<'_>,
    ) -> Result<u64, StoreError> {
        let nuid = format!("{:032x}", rand::random::<u128>());
        let subject = format!("$O.{}.C.{nuid}", self.bucket);
        let mut unfinished = Unfinished {
            stream: Some(self.stream.clone()),
            subject: subject.clone(),
        };
        let mut written = Written::default();
        let mut result = self.write_chunks(&subject, body, &mut written).await;
        if result.is_ok() {
            result = self.publish_meta(key, content_type, &nuid, written).await;
        }
        unfinished.stream = None;
        if result.is_err() {
            self.purge_quietly(&nuid).await;
        }
        result
    }

    /// Removes `key` entirely, chunks and metadata. (The object store's own delete leaves
    /// a tombstone message per object, bytes a deleted upload would keep for good.)
    pub async fn delete(&self, key: &str, nuid: &str) -> Result<(), StoreError> {
        self.purge(&format!("$O.{}.C.{nuid}", self.bucket)).await?;
        self.purge(&meta_subject(self.bucket, key)).await
    }

    /// Removes the chunks of the object version `nuid`. A failure is logged: the bytes stay
    /// until an operator purges the subject.
    pub async fn purge_quietly(&self, nuid: &str) {
        let subject = format!("$O.{}.C.{nuid}", self.bucket);
        if let Err(err) = self.purge(&subject).await {
            tracing::warn!(subject, error = %err, "could not purge the chunks of an object");
        }
    }

    async fn purge(&self, subject: &str) -> Result<(), StoreError> {
        self.stream.purge().filter(subject).await.map_err(backend)?;
        Ok(())
    }

    async fn write_chunks(
        &self,
        subject: &str,
        mut body: ByteStream<'_>,
        written: &mut Written,
    ) -> Result<u64, StoreError> {
        let mut buffer = BytesMut::with_capacity(CHUNK_SIZE);
        while let Some(piece) = body.next().await {
            let mut piece = piece.map_err(StoreError::Body)?;
            while !piece.is_empty() {
                let room = CHUNK_SIZE - buffer.len();
                buffer.extend_from_slice(&piece.split_to(room.min(piece.len())));
                if buffer.len() == CHUNK_SIZE {
                    self.publish_chunk(subject, buffer.split().freeze(), written)
                        .await?;
                }
            }
        }
        if !buffer.is_empty() {
            self.publish_chunk(subject, buffer.freeze(), written)
                .await?;
        }
        Ok(written.size)
    }

    async fn publish_chunk(
        &self,
        subject: &str,
        chunk: Bytes,
        written: &mut Written,
    ) -> Result<(), StoreError> {
        written.size += chunk.len() as u64;
        written.sha256.update(&chunk);
        let ack = self
            .js
            .publish(subject.to_owned(), chunk)
            .await
            .map_err(publish_error)?
            .await
            .map_err(publish_error)?;
        written.runs.push(ack.sequence);
        Ok(())
    }

    /// The object's metadata message, as the object store writes it (rolled up per name).
    async fn publish_meta(
        &self,
        key: &str,
        content_type: &str,
        nuid: &str,
        written: Written,
    ) -> Result<u64, StoreError> {
        let size = written.size;
        let info = ObjectInfo {
            name: key.to_owned(),
            description: None,
            metadata: HashMap::from([
                (CONTENT_TYPE.to_owned(), content_type.to_owned()),
                (SEQUENCES.to_owned(), written.runs.encode()),
            ]),
            headers: None,
            options: Some(ObjectOptions {
                link: None,
                max_chunk_size: Some(CHUNK_SIZE),
            }),
            bucket: self.bucket.to_owned(),
            nuid: nuid.to_owned(),
            size: size as usize,
            chunks: written.runs.chunks() as usize,
            modified: Some(async_nats::datetime::now()),
            digest: Some(format!(
                "SHA-256={}",
                URL_SAFE.encode(written.sha256.finalize())
            )),
            deleted: false,
        };
        let payload = serde_json::to_vec(&info).map_err(backend)?;
        let mut headers = HeaderMap::new();
        headers.insert("Nats-Rollup", "sub");
        self.js
            .publish_with_headers(meta_subject(self.bucket, key), headers, payload.into())
            .await
            .map_err(publish_error)?
            .await
            .map_err(publish_error)?;
        Ok(size)
    }
}

/// The chunks of a put in progress. A put dropped half-way (its request cancelled) cannot
/// purge them itself, so dropping this purges them in the background.
struct Unfinished {
    stream: Option<Stream>,
    subject: String,
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        let (Some(stream), Ok(runtime)) =
            (self.stream.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let subject = std::mem::take(&mut self.subject);
        runtime.spawn(async move {
            if let Err(err) = stream.purge().filter(&subject).await {
                tracing::warn!(subject, error = %err, "could not purge an abandoned upload");
            }
        });
    }
}

/// The subject of `key`'s metadata, as the object store names it.
fn meta_subject(bucket: &str, key: &str) -> String {
    format!("$O.{bucket}.M.{}", URL_SAFE.encode(key))
}

/// A full bucket (its `max_bytes`, or the server's storage) is [`StoreError::Full`].
fn publish_error(err: impl std::fmt::Display) -> StoreError {
    let text = err.to_string();
    if text.contains("maximum bytes") || text.contains("insufficient") {
        StoreError::Full(text)
    } else {
        StoreError::Backend(text)
    }
}

#[cfg(test)]
mod tests {
    use super::ChunkRuns;

    #[test]
    fn chunk_sequences_round_trip_as_runs() {
        let mut runs = ChunkRuns::default();
        for sequence in [5, 6, 7, 9, 10, 20] {
            runs.push(sequence);
        }
        assert_eq!(runs.encode(), "5:3,9:2,20:1");
        let parsed = ChunkRuns::parse(&runs.encode()).unwrap();
        assert_eq!(parsed, runs);
        assert_eq!(parsed.chunks(), 6);
        assert_eq!(parsed.sequences(2, 4), [7, 9, 10]);
        assert_eq!(parsed.sequences(5, 5), [20]);
        assert!(ChunkRuns::parse("5:x").is_none());
    }
}
