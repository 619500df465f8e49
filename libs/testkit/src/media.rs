//! Real media for tests, made by ffmpeg: small MP4s whose bytes differ by `seed`.

use std::process::Command;

use anyhow::{Context, bail};

/// A one-second 160×120 H.264 MP4 (about 10 KiB). Different seeds give different bytes
/// (and different SHA-256s); the same seed gives the same bytes.
pub fn mp4(seed: u32) -> anyhow::Result<Vec<u8>> {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("video.mp4");
    let status = Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-y",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg("testsrc=duration=1:size=160x120:rate=10")
        .args([
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ])
        .args(["-fflags", "+bitexact", "-map_metadata", "-1"])
        .args(["-metadata", &format!("comment=seed {seed}")])
        .arg(&out)
        .status()
        .context("running ffmpeg (install it: .ci/gt services does)")?;
    if !status.success() {
        bail!("ffmpeg could not make a test video");
    }
    Ok(std::fs::read(out)?)
}

/// True when ffmpeg decodes `jpeg` as an image.
pub fn decodes_as_image(jpeg: &[u8]) -> anyhow::Result<bool> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("image.jpg");
    std::fs::write(&path, jpeg)?;
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-i"])
        .arg(&path)
        .args(["-f", "null", "-"])
        .status()?;
    Ok(status.success())
}
