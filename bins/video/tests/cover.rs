//! The cover extraction on inputs that get past the edge's signature check or never went
//! through the edge (any mesh client may call `video.v1.publish`), with the real ffmpeg and a
//! real nats-server's object store: ffmpeg reads the upload as a video container only, and
//! runs under its memory limit.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use objects::{NatsStore, ObjectStore};
use settings::{MediaSettings, VideoSettings};
use testkit::{NatsServer, media};
use video::{cover::Ffmpeg, error::VideoError};

async fn store_holding(nats: &NatsServer, key: &str, body: Vec<u8>) -> NatsStore {
    let client = nats.client().await.unwrap();
    let store = NatsStore::new(&client, "cover-test", 64 << 20);
    let body = futures::stream::once(async move { Ok(Bytes::from(body)) });
    store.put(key, "video/mp4", Box::pin(body)).await.unwrap();
    store
}

#[tokio::test]
async fn a_playlist_naming_a_file_of_the_worker_host_is_unreadable_not_a_cover() {
    // An HLS playlist is text ffmpeg follows: one naming a local file made that file's first
    // frame the cover, which is public — a way to read the worker host's videos.
    let dir = tempfile::tempdir().unwrap();
    let private = dir.path().join("private.mp4");
    std::fs::write(&private, media::mp4(64).unwrap()).unwrap();
    let playlist = format!(
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n{}\n#EXT-X-ENDLIST\n",
        private.display()
    );
    let nats = NatsServer::start().await.unwrap();
    let store = store_holding(&nats, "videos/list", playlist.into_bytes()).await;
    let ffmpeg = Ffmpeg::new(&MediaSettings::default(), &VideoSettings::default());

    let cover = ffmpeg.first_frame(&store, "videos/list").await;
    assert!(
        matches!(cover, Err(VideoError::Unreadable)),
        "{:?}",
        cover.map(|jpeg| jpeg.len())
    );
    // The guard refuses playlists, not videos: the same file uploaded itself has a cover.
    let store = store_holding(&nats, "videos/real", std::fs::read(&private).unwrap()).await;
    let jpeg = ffmpeg.first_frame(&store, "videos/real").await.unwrap();
    assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
}

#[tokio::test]
async fn ffmpeg_runs_under_the_memory_limit() {
    // Too little address space for ffmpeg even to load: the run fails instead of decoding,
    // which shows the limit reaches the child (the default leaves room and makes a cover).
    let nats = NatsServer::start().await.unwrap();
    let store = store_holding(&nats, "videos/v", media::mp4(65).unwrap()).await;
    let starved = VideoSettings {
        ffmpeg_max_memory_mb: 16,
        ..VideoSettings::default()
    };
    let refused = Ffmpeg::new(&MediaSettings::default(), &starved)
        .first_frame(&store, "videos/v")
        .await;
    assert!(matches!(refused, Err(VideoError::Ffmpeg(_))), "{refused:?}");
    let roomy = Ffmpeg::new(&MediaSettings::default(), &VideoSettings::default());
    assert!(roomy.first_frame(&store, "videos/v").await.is_ok());
}
