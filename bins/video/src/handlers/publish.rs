//! `video.v1.publish`: turn an upload into a video. Files are stored once per content: a
//! publish of bytes already stored reuses them ("fast publish") and drops the upload; a new
//! file gets its cover (first frame) and becomes the stored copy. Whatever is rejected leaves
//! nothing behind in the object store.

use std::sync::Arc;

use contract::video::{Publish, Published, UPLOAD_PREFIX, VideoInfo};

use crate::{
    State,
    error::VideoError,
    follow,
    store::{self, Media, NewVideo},
};

const TITLE_MAX: usize = 100;

pub async fn handle(state: Arc<State>, request: Publish) -> Result<Published, VideoError> {
    if !request.upload_key.starts_with(UPLOAD_PREFIX) || !is_sha256_hex(&request.sha256) {
        return Err(VideoError::Invalid("not an upload of this system".into()));
    }
    let title = match title(&state, &request.title) {
        Ok(title) => title,
        Err(err) => return Err(discard(&state, &request.upload_key, err).await),
    };
    let (media, reused) = match stored_media(&state, &request).await {
        Ok(stored) => stored,
        Err(err) => return Err(discard(&state, &request.upload_key, err).await),
    };
    let video = NewVideo {
        id: state.ids.next_id().await?,
        author_id: request.author_id,
        title: &title,
        sha256: &request.sha256,
        created_ms: now_ms(),
    };
    let works = store::insert_video(&state.db, &video).await?;
    tracing::info!(video_id = video.id, reused, "video published");
    let info = VideoInfo {
        id: video.id,
        author_id: video.author_id,
        title: title.clone(),
        play_key: media.video_key,
        cover_key: media.cover_key,
        created_ms: video.created_ms,
    };
    follow::announce(&state.nats, &state.index, info, works).await;
    Ok(Published {
        video_id: video.id,
        reused,
    })
}

/// 1–100 characters after trimming, with sensitive words masked.
fn title(state: &State, raw: &str) -> Result<String, VideoError> {
    let trimmed = raw.trim();
    let count = trimmed.chars().count();
    if count == 0 || count > TITLE_MAX {
        return Err(VideoError::Invalid(format!(
            "title must be 1–{TITLE_MAX} characters"
        )));
    }
    Ok(state.filter.mask(trimmed))
}

/// The stored copy of this content, making the upload that copy if it is new. The flag
/// says whether an earlier copy was reused (the upload is then gone).
async fn stored_media(state: &State, request: &Publish) -> Result<(Media, bool), VideoError> {
    if let Some(existing) = store::find_media(&state.db, &request.sha256).await? {
        drop_upload(state, &request.upload_key).await;
        return Ok((existing, true));
    }
    let jpeg = state
        .ffmpeg
        .first_frame(state.store.as_ref(), &request.upload_key)
        .await?;
    let media = Media {
        video_key: request.upload_key.clone(),
        cover_key: format!("covers/{}.jpg", request.sha256),
    };
    let body = futures::stream::once(async move { Ok(bytes::Bytes::from(jpeg)) });
    state
        .store
        .put(&media.cover_key, "image/jpeg", Box::pin(body))
        .await?;
    if store::insert_media(&state.db, &request.sha256, &media, request.size).await? {
        return Ok((media, false));
    }
    // A concurrent publish of the same file recorded its copy first: use that one. (The
    // cover key is the same for both, so there is still one cover.)
    drop_upload(state, &request.upload_key).await;
    let winner = store::find_media(&state.db, &request.sha256).await?;
    winner
        .map(|media| (media, true))
        .ok_or_else(|| VideoError::Invalid("the stored copy vanished; publish again".into()))
}

/// Deletes a rejected upload and hands the rejection back.
async fn discard(state: &State, key: &str, err: VideoError) -> VideoError {
    drop_upload(state, key).await;
    err
}

async fn drop_upload(state: &State, key: &str) {
    if let Err(err) = state.store.delete(key).await {
        tracing::warn!(key, error = %err, "could not delete an upload");
    }
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::is_sha256_hex;

    #[test]
    fn only_lower_case_hex_sha256_digests_are_accepted() {
        assert!(is_sha256_hex(&"ab".repeat(32)));
        assert!(!is_sha256_hex(&"AB".repeat(32)));
        assert!(!is_sha256_hex("abc"));
    }
}
