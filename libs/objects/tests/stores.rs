//! One contract, two stores: the embedded JetStream object store and S3 (against a real
//! SeaweedFS) must behave the same for everything the media code relies on.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use objects::{ByteRange, ByteStream, NatsStore, ObjectStore, S3Store, StoreError};
use testkit::{NatsServer, S3Server};

/// Deterministic, non-repeating-looking bytes.
fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + i / 251) % 251) as u8).collect()
}

/// `bytes` as a stream of 64 KiB chunks, like an upload arriving.
fn chunked(bytes: Vec<u8>) -> ByteStream<'static> {
    let chunks: Vec<std::io::Result<Bytes>> = bytes
        .chunks(64 * 1024)
        .map(|chunk| Ok(Bytes::copy_from_slice(chunk)))
        .collect();
    Box::pin(futures::stream::iter(chunks))
}

async fn read(store: &dyn ObjectStore, key: &str, range: Option<ByteRange>) -> (Vec<u8>, u64, u64) {
    let read = store.get(key, range).await.unwrap();
    let chunks: Vec<Bytes> = read.body.try_collect().await.unwrap();
    (chunks.concat(), read.start, read.end)
}

async fn contract(store: &dyn ObjectStore) {
    // A small object: whole read, content type kept.
    let small = data(3_000);
    let stored = store
        .put("covers/a.jpg", "image/jpeg", chunked(small.clone()))
        .await
        .unwrap();
    assert_eq!(stored, 3_000);
    let whole = store.get("covers/a.jpg", None).await.unwrap();
    assert_eq!(whole.content_type, "image/jpeg");
    assert_eq!(whole.size, 3_000);
    drop(whole);
    assert_eq!(
        objects::read_all(store, "covers/a.jpg").await.unwrap(),
        small
    );

    // A large object, streamed in (S3 takes the multipart path) and read back intact.
    let large = data(20 * 1024 * 1024 + 123);
    let stored = store
        .put("videos/big", "video/mp4", chunked(large.clone()))
        .await
        .unwrap();
    assert_eq!(stored, large.len() as u64);
    assert_eq!(read(store, "videos/big", None).await.0, large);

    // Ranges, as players ask for them.
    let (part, start, end) = read(store, "videos/big", Some(ByteRange::FromTo(100, 199))).await;
    assert_eq!((start, end), (100, 199));
    assert_eq!(part, large[100..200]);
    let tail_start = large.len() - 10;
    let (tail, start, _) = read(store, "videos/big", Some(ByteRange::Last(10))).await;
    assert_eq!(
        (tail.as_slice(), start as usize),
        (&large[tail_start..], tail_start)
    );
    let from = 9 * 1024 * 1024;
    let (rest, _, end) = read(store, "videos/big", Some(ByteRange::From(from as u64))).await;
    assert_eq!(rest, large[from..]);
    assert_eq!(end as usize, large.len() - 1);
    let beyond = store
        .get("videos/big", Some(ByteRange::From(large.len() as u64)))
        .await;
    assert!(
        matches!(beyond, Err(StoreError::RangeNotSatisfiable { size }) if size == large.len() as u64)
    );

    // Listing, missing objects, deletes.
    let mut keys = store.list("videos/").await.unwrap();
    keys.sort();
    assert_eq!(keys, ["videos/big"]);
    assert!(matches!(
        store.get("videos/none", None).await,
        Err(StoreError::NotFound(_))
    ));
    store.delete("videos/big").await.unwrap();
    assert!(matches!(
        store.get("videos/big", None).await,
        Err(StoreError::NotFound(_))
    ));
    store.delete("videos/big").await.unwrap();
}

/// A body that fails midway (a client gone, a size cap hit) leaves no object behind. (What
/// it leaves unlisted, the store-specific tests below check.)
async fn a_failed_put_leaves_no_object(store: &dyn ObjectStore) {
    let broken = chunked(data(10 * 1024 * 1024)).chain(futures::stream::once(async {
        Err(std::io::Error::other("client gone"))
    }));
    let failed = store
        .put("videos/broken", "video/mp4", Box::pin(broken))
        .await;
    assert!(
        matches!(failed, Err(StoreError::Body(_))),
        "{:?}",
        failed.err()
    );
    assert!(store.list("videos/").await.unwrap().is_empty());
}

#[tokio::test]
async fn the_embedded_nats_store_honours_the_contract() {
    let server = NatsServer::start().await.unwrap();
    let client = server.client().await.unwrap();
    let store = NatsStore::new(&client, "contract-test", 1 << 30);
    contract(&store).await;
    a_failed_put_leaves_no_object(&store).await;
}

/// The object store keeps an object's chunks in the bucket's stream: a failed put must not
/// leave its chunks there, which no listing shows.
#[tokio::test]
async fn a_failed_put_leaves_no_bytes_in_the_nats_bucket() {
    let server = NatsServer::start().await.unwrap();
    let client = server.client().await.unwrap();
    let store = NatsStore::new(&client, "leak-test", 1 << 30);
    // A first object creates the bucket's stream.
    store
        .put("covers/a.jpg", "image/jpeg", chunked(data(3_000)))
        .await
        .unwrap();
    let js = async_nats::jetstream::new(client);
    let mut stream = js.get_stream("OBJ_leak-test").await.unwrap();
    let before = stream.info().await.unwrap().state.bytes;
    a_failed_put_leaves_no_object(&store).await;
    let after = stream.info().await.unwrap().state.bytes;
    assert_eq!(
        after,
        before,
        "the failed put left {} bytes",
        after - before
    );

    // A put abandoned half-way (its request cancelled: the future is dropped while the body
    // waits for more) is cleaned up too, in the background.
    let stalled = chunked(data(3 * 1024 * 1024)).chain(futures::stream::pending());
    let abandoned = store.put("videos/stalled", "video/mp4", Box::pin(stalled));
    let timed_out = tokio::time::timeout(std::time::Duration::from_secs(2), abandoned).await;
    assert!(timed_out.is_err(), "the stalled put finished");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while stream.info().await.unwrap().state.bytes != before {
        assert!(
            std::time::Instant::now() < deadline,
            "the abandoned put left its chunks"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_s3_store_honours_the_contract() {
    let server = S3Server::start().await.unwrap();
    let store = S3Store::open(&server.settings("contract-test"))
        .await
        .unwrap();
    contract(&store).await;
    a_failed_put_leaves_no_object(&store).await;
    // S3 does not list an unfinished multipart upload: ask for those, which hold the parts.
    assert_eq!(
        store.unfinished_uploads().await.unwrap(),
        Vec::<String>::new(),
        "the failed multipart upload was not aborted"
    );
    // A put abandoned half-way (the future dropped while the body waits) is aborted too.
    let stalled = chunked(data(10 * 1024 * 1024)).chain(futures::stream::pending());
    let abandoned = store.put("videos/stalled", "video/mp4", Box::pin(stalled));
    let timed_out = tokio::time::timeout(std::time::Duration::from_secs(3), abandoned).await;
    assert!(timed_out.is_err(), "the stalled put finished");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !store.unfinished_uploads().await.unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the abandoned multipart upload was not aborted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Opening again finds the bucket that exists.
    S3Store::open(&server.settings("contract-test"))
        .await
        .unwrap();
}

/// The bucket's stream is capped at the configured size, on creation and when an existing
/// bucket is opened with another limit; an upload that does not fit is `Full` and leaves
/// nothing behind, and the bucket takes uploads again once it has room.
#[tokio::test]
async fn the_nats_bucket_is_bounded_and_a_full_one_refuses_cleanly() {
    let server = NatsServer::start().await.unwrap();
    let client = server.client().await.unwrap();
    let js = async_nats::jetstream::new(client.clone());
    let store = NatsStore::new(&client, "bounded", 8 << 20);
    store
        .put("covers/a.jpg", "image/jpeg", chunked(data(3_000)))
        .await
        .unwrap();
    let mut stream = js.get_stream("OBJ_bounded").await.unwrap();
    assert_eq!(stream.info().await.unwrap().config.max_bytes, 8 << 20);
    let before = stream.info().await.unwrap().state.bytes;
    let full = store
        .put("videos/huge", "video/mp4", chunked(data(10 << 20)))
        .await;
    assert!(matches!(full, Err(StoreError::Full(_))), "{:?}", full.err());
    assert_eq!(stream.info().await.unwrap().state.bytes, before);
    assert_eq!(store.list("videos/").await.unwrap(), Vec::<String>::new());
    store
        .put("videos/fits", "video/mp4", chunked(data(5 << 20)))
        .await
        .unwrap();

    // Reopened with a larger limit (a changed setting), the bucket takes the larger limit.
    let reopened = NatsStore::new(&client, "bounded", 64 << 20);
    reopened
        .put("videos/huge", "video/mp4", chunked(data(10 << 20)))
        .await
        .unwrap();
    assert_eq!(stream.info().await.unwrap().config.max_bytes, 64 << 20);
}

/// A range read near the end of a large object returns the right bytes and fetches only the
/// chunk that holds them, not everything before it.
#[tokio::test]
async fn a_nats_range_read_fetches_only_the_chunks_it_needs() {
    let server = NatsServer::start().await.unwrap();
    let client = server.client().await.unwrap();
    let store = NatsStore::new(&client, "seek", 1 << 30);
    // Another object stored alongside, so the video's chunks do not start at sequence 1.
    store
        .put("covers/a.jpg", "image/jpeg", chunked(data(300_000)))
        .await
        .unwrap();
    let large = data(30 * 1024 * 1024 + 77);
    store
        .put("videos/big", "video/mp4", chunked(large.clone()))
        .await
        .unwrap();
    let chunk = 128 * 1024;
    let from = large.len() - 100_000;
    let before = store.bytes_fetched();
    let (tail, start, end) = read(&store, "videos/big", Some(ByteRange::From(from as u64))).await;
    assert_eq!((start as usize, end as usize), (from, large.len() - 1));
    assert_eq!(tail, large[from..]);
    let fetched = store.bytes_fetched() - before;
    assert!(
        fetched <= 2 * chunk as u64,
        "fetched {fetched} bytes for a 100,000-byte range"
    );

    // A range inside one chunk, across a chunk boundary, and the whole object.
    let (part, _, _) = read(&store, "videos/big", Some(ByteRange::FromTo(10, 20))).await;
    assert_eq!(part, large[10..=20]);
    let boundary = 5 * chunk as u64;
    let (across, _, _) = read(
        &store,
        "videos/big",
        Some(ByteRange::FromTo(boundary - 3, boundary + 3)),
    )
    .await;
    assert_eq!(across, large[boundary as usize - 3..=boundary as usize + 3]);
    assert_eq!(read(&store, "videos/big", None).await.0, large);
}
