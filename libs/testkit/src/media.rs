//! Real media for tests, made by ffmpeg: small MP4s whose bytes differ by `seed`, and one
//! whose headers lie about its frame size.

use std::{path::Path, process::Command};

use anyhow::{Context, bail};

/// A one-second 160×120 H.264 MP4 (about 10 KiB). Different seeds give different bytes
/// (and different SHA-256s); the same seed gives the same bytes.
pub fn mp4(seed: u32) -> anyhow::Result<Vec<u8>> {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("video.mp4");
    let comment = format!("comment=seed {seed}");
    let options = [
        "-pix_fmt",
        "yuv420p",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-fflags",
        "+bitexact",
        "-map_metadata",
        "-1",
        "-metadata",
        &comment,
    ];
    lavfi("testsrc=duration=1:size=160x120:rate=10", &options, &out)?;
    Ok(std::fs::read(out)?)
}

/// Runs ffmpeg on the lavfi `source` with the output `options`, writing `out`.
fn lavfi(source: &str, options: &[&str], out: &Path) -> anyhow::Result<()> {
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(["-f", "lavfi", "-i", source])
        .args(options)
        .arg(out)
        .status()
        .context("running ffmpeg (install it: .ci/gt services does)")?;
    if !status.success() {
        bail!("ffmpeg could not make a test video");
    }
    Ok(())
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

/// A 16×16 one-frame MJPEG MP4 whose sample entry and JPEG header both claim frames of
/// `side`×`side`: what a hostile upload looks like to ffprobe and to the decoder, cheaply.
pub fn mjpeg_claiming(side: u16) -> anyhow::Result<Vec<u8>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("tiny.mp4");
    let options = ["-frames:v", "1", "-c:v", "mjpeg", "-pix_fmt", "yuvj420p"];
    lavfi("color=c=red:s=16x16:d=0.1", &options, &path)?;
    let mut bytes = std::fs::read(path)?;
    let side = side.to_be_bytes();
    // The visual sample entry: box size and type 8 bytes after `stsd` + version/count (8),
    // then 24 bytes before width and height (ISO/IEC 14496-12 §12.1.3).
    let dims = find(&bytes, b"stsd", 0).context("no stsd box")? + 4 + 8 + 8 + 24;
    if bytes.get(dims..dims + 4) != Some(&[0, 16, 0, 16]) {
        bail!("ffmpeg wrote no 16×16 sample entry");
    }
    bytes[dims..dims + 4].copy_from_slice(&[side[0], side[1], side[0], side[1]]);
    // Every JPEG start-of-frame: marker, length (2), precision (1), height, width.
    let mut at = 0;
    while let Some(sof) = find(&bytes, &[0xFF, 0xC0], at) {
        bytes[sof + 5..sof + 9].copy_from_slice(&[side[0], side[1], side[0], side[1]]);
        at = sof + 2;
    }
    if at == 0 {
        bail!("no JPEG frame header found");
    }
    Ok(bytes)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack[from..]
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|at| at + from)
}
