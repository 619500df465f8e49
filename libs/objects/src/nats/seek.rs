//! Range reads by chunk: the object's chunk size turns the first byte asked for into a chunk
//! index, the sequences in its metadata turn that into stream sequences, and each chunk is
//! one direct get — no consumer, and nothing before the range is read. A seek near the end
//! of a 200 MiB video fetches one 128 KiB chunk instead of the whole file.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use async_nats::jetstream::{object_store::ObjectInfo, stream::Stream};
use futures::StreamExt;

use super::chunks::{CHUNK_SIZE, ChunkRuns, SEQUENCES};
use crate::ByteStream;

/// How to find the chunks of one object.
pub(super) struct Seek {
    subject: String,
    runs: ChunkRuns,
}

impl Seek {
    /// Only objects our put wrote (exact chunks, sequences recorded) can be read this way.
    pub fn of(info: &ObjectInfo) -> Option<Seek> {
        let chunk_size = info.options.as_ref()?.max_chunk_size?;
        let runs = ChunkRuns::parse(info.metadata.get(SEQUENCES)?)?;
        let complete = runs.chunks() == info.chunks as u64;
        (chunk_size == CHUNK_SIZE && complete).then(|| Seek {
            subject: format!("$O.{}.C.{}", info.bucket, info.nuid),
            runs,
        })
    }

    /// Bytes `start..=end` of the object, fetched chunk by chunk as the body is read.
    pub fn read(
        self,
        stream: Stream,
        start: u64,
        end: u64,
        fetched: Arc<AtomicU64>,
    ) -> ByteStream<'static> {
        let size = CHUNK_SIZE as u64;
        let (first, last) = (start / size, end / size);
        let sequences = self.runs.sequences(first, last);
        let subject = Arc::new(self.subject);
        let chunks = futures::stream::iter(sequences.into_iter().zip(first..=last));
        Box::pin(chunks.then(move |(sequence, index)| {
            let (stream, subject, fetched) =
                (stream.clone(), Arc::clone(&subject), Arc::clone(&fetched));
            async move {
                let message = stream
                    .direct_get(sequence)
                    .await
                    .map_err(std::io::Error::other)?;
                // A purged or replaced object: its sequences now hold nothing of it.
                if message.subject.as_str() != subject.as_str() {
                    return Err(std::io::Error::other("the object changed while reading"));
                }
                fetched.fetch_add(message.payload.len() as u64, Ordering::Relaxed);
                let offset = index * size;
                let from = start.saturating_sub(offset) as usize;
                let to = ((end + 1 - offset) as usize).min(message.payload.len());
                Ok(message.payload.slice(from.min(to)..to))
            }
        }))
    }
}
