//! Cover extraction: the first frame as a JPEG, by ffmpeg, from an upload nobody has vetted.
//! The upload is copied from the object store to a private temporary file first (ffmpeg must
//! seek in MP4s whose index sits at the end); the file is gone when this returns, and the
//! publish limit bounds the copies to `video.publish_concurrency` × `media.max_upload_bytes`.
//! Every ffprobe and ffmpeg run is confined: local files only, `video.ffmpeg_threads`
//! threads, an address-space limit and a wall-clock limit; and ffprobe reads the declared
//! frame size first, so a file claiming huge frames is refused before anything decodes it.

use std::{
    path::Path,
    process::{Output, Stdio},
    time::Duration,
};

use objects::ObjectStore;
use settings::{MediaSettings, VideoSettings};
use tokio::{io::AsyncWriteExt, process::Command};
use tokio_util::io::StreamReader;

use crate::error::VideoError;

/// Sets the address-space limit (KiB, `$1`), then becomes the program (`$2…`): the limit
/// applies to the program alone and a kill on time-out reaches it (same process).
const CONFINE: &str = r#"ulimit -v "$1" && shift && exec "$@""#;

/// Quiet, and the input read from a local file only: no network, pipes or other protocols;
/// and only as a video container. Playlists (hls, concat, …) are not among them: they name
/// other files, and an upload must not make ffmpeg read the worker's own files (a playlist of
/// `/some/local/file.mp4` would otherwise turn that file's first frame into a public cover).
const LOCAL_INPUT: [&str; 7] = [
    "-loglevel",
    "error",
    "-protocol_whitelist",
    "file",
    "-format_whitelist",
    "mov,matroska,avi,mpegts,flv",
    "-i",
];

const FIRST_FRAME_AS_JPEG: [&str; 9] = [
    "-frames:v",
    "1",
    "-an",
    "-f",
    "image2",
    "-c:v",
    "mjpeg",
    "-q:v",
    "3",
];

/// The ffprobe and ffmpeg executables and the limits of each run.
#[derive(Debug, Clone)]
pub struct Ffmpeg {
    ffmpeg: String,
    ffprobe: String,
    timeout: Duration,
    threads: String,
    max_memory_kib: String,
    max_pixels: u64,
}

impl Ffmpeg {
    pub fn new(media: &MediaSettings, video: &VideoSettings) -> Self {
        Self {
            ffmpeg: media.ffmpeg.clone(),
            ffprobe: media.ffprobe.clone(),
            timeout: Duration::from_millis(video.ffmpeg_timeout_ms),
            threads: video.ffmpeg_threads.to_string(),
            max_memory_kib: (video.ffmpeg_max_memory_mb * 1024).to_string(),
            max_pixels: video.max_frame_pixels,
        }
    }

    /// The first frame of the video at `key`, as JPEG bytes; `Unreadable` when ffmpeg cannot
    /// decode one, `FrameTooLarge` when its frames are declared over the limit.
    pub async fn first_frame(
        &self,
        store: &dyn ObjectStore,
        key: &str,
    ) -> Result<Vec<u8>, VideoError> {
        let dir = tempfile::tempdir().map_err(|e| VideoError::Ffmpeg(e.to_string()))?;
        let input = dir.path().join("video");
        let output = dir.path().join("cover.jpg");
        download(store, key, &input).await?;
        self.check_frame_size(&input).await?;
        let (threads, max_pixels) = (self.threads.as_str(), self.max_pixels.to_string());
        let mut command = self.confined(&self.ffmpeg);
        command
            .args(["-hide_banner", "-nostdin", "-y", "-threads", threads])
            .args(["-filter_threads", threads])
            // The decoder refuses frames over the limit, whatever the container declared.
            .args(["-max_pixels", &max_pixels])
            .args(LOCAL_INPUT)
            .arg(&input)
            .args(FIRST_FRAME_AS_JPEG)
            .args(["-threads", threads])
            .arg(&output);
        let result = self.run(&self.ffmpeg, command).await?;
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

    /// Refuses a first video stream whose declared width × height is over the limit.
    async fn check_frame_size(&self, input: &Path) -> Result<(), VideoError> {
        let mut command = self.confined(&self.ffprobe);
        command
            .args([
                "-select_streams",
                "v:0",
                "-show_entries",
                "stream=width,height",
            ])
            .args(["-of", "csv=p=0"])
            .args(LOCAL_INPUT)
            .arg(input);
        let result = self.run(&self.ffprobe, command).await?;
        let stdout = String::from_utf8_lossy(&result.stdout);
        let size = stdout
            .lines()
            .next()
            .and_then(|line| line.trim().split_once(','));
        let parse = |text: &str| text.trim().parse::<u64>().ok();
        let Some((Some(width), Some(height))) = size.map(|(w, h)| (parse(w), parse(h))) else {
            tracing::info!(stdout = %stdout.trim(), "ffprobe found no video stream");
            return Err(VideoError::Unreadable);
        };
        if width.saturating_mul(height) > self.max_pixels {
            return Err(VideoError::FrameTooLarge {
                width,
                height,
                max: self.max_pixels,
            });
        }
        Ok(())
    }

    /// A command that runs `program` under the memory limit, its output captured.
    fn confined(&self, program: &str) -> Command {
        let mut command = Command::new("/bin/sh");
        command
            .args(["-c", CONFINE, "confine", &self.max_memory_kib, program])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    /// Runs `command` (of `program`) under the time limit; a run past it is killed.
    async fn run(&self, program: &str, mut command: Command) -> Result<Output, VideoError> {
        let output = tokio::time::timeout(self.timeout, command.output())
            .await
            .map_err(|_| VideoError::TooSlow)?
            .map_err(|e| VideoError::Ffmpeg(format!("running {program}: {e}")))?;
        // 127: the program is missing, or cannot even load its libraries within the memory
        // limit — the deployment's fault, not the upload's.
        if output.status.code() == Some(127) {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(VideoError::Ffmpeg(format!(
                "running {program}: {}",
                stderr.trim()
            )));
        }
        Ok(output)
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
