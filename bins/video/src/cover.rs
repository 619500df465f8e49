//! Cover extraction: the first frame as a JPEG, by ffmpeg. The video is copied from the
//! object store to a private temporary file first (ffmpeg needs to seek in MP4s whose index
//! sits at the end); the file is gone when this returns.

use std::{path::Path, process::Stdio, time::Duration};

use objects::ObjectStore;
use tokio::{io::AsyncWriteExt, process::Command};
use tokio_util::io::StreamReader;

use crate::error::VideoError;

/// A hung ffmpeg must not hold a worker slot forever.
const FFMPEG_TIMEOUT: Duration = Duration::from_secs(120);

/// The first frame of the video at `key`, as JPEG bytes; `Unreadable` when ffmpeg cannot
/// decode one.
pub async fn first_frame(
    ffmpeg: &str,
    store: &dyn ObjectStore,
    key: &str,
) -> Result<Vec<u8>, VideoError> {
    let dir = tempfile::tempdir().map_err(|e| VideoError::Ffmpeg(e.to_string()))?;
    let input = dir.path().join("video");
    let output = dir.path().join("cover.jpg");
    download(store, key, &input).await?;
    let mut command = Command::new(ffmpeg);
    command
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i"])
        .arg(&input)
        .args([
            "-frames:v",
            "1",
            "-an",
            "-f",
            "image2",
            "-c:v",
            "mjpeg",
            "-q:v",
            "3",
        ])
        .arg(&output)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let run = tokio::time::timeout(FFMPEG_TIMEOUT, command.output()).await;
    let result = run
        .map_err(|_| VideoError::Ffmpeg("ffmpeg timed out".into()))?
        .map_err(|e| VideoError::Ffmpeg(format!("running {ffmpeg}: {e}")))?;
    if !result.status.success() {
        let stderr = String::from_utf8_lossy(&result.stderr);
        tracing::info!(key, stderr = %stderr.trim(), "ffmpeg could not read an upload");
        return Err(VideoError::Unreadable);
    }
    match tokio::fs::read(&output).await {
        Ok(jpeg) if jpeg.starts_with(&[0xFF, 0xD8, 0xFF]) => Ok(jpeg),
        // Exit 0 without a frame: e.g. an audio-only file.
        _ => Err(VideoError::Unreadable),
    }
}

async fn download(store: &dyn ObjectStore, key: &str, path: &Path) -> Result<(), VideoError> {
    let read = store.get(key, None).await?;
    let mut reader = StreamReader::new(read.body);
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|e| VideoError::Ffmpeg(e.to_string()))?;
    tokio::io::copy(&mut reader, &mut file)
        .await
        .map_err(|e| VideoError::Ffmpeg(format!("copying the upload: {e}")))?;
    file.flush()
        .await
        .map_err(|e| VideoError::Ffmpeg(e.to_string()))
}
