//! `comment.v1.post`: 1–500 characters after trimming, sensitive words masked; the video
//! must exist. Answers the stored comment. The same comment posted again within the COMMENTS
//! stream's duplicate window (a double submit, a retry) is one comment: the stream reports
//! the copy as a duplicate and the answer is the original, as first stored.

use std::sync::Arc;

use contract::comment::{CommentEvent, CommentInfo, PostComment, STREAM};

use crate::{State, dedupe, error::CommentError, write};

const TEXT_MAX: usize = 500;

/// Ids tried per post: each one past the first means the original under the previous id
/// was deleted within the window, so this many posts and deletes of one text in a few
/// seconds is a client looping, not a person.
const ATTEMPTS: usize = 4;

pub async fn handle(state: Arc<State>, request: PostComment) -> Result<CommentInfo, CommentError> {
    let text = request.text.trim();
    let count = text.chars().count();
    if count == 0 || count > TEXT_MAX {
        return Err(CommentError::Invalid(format!(
            "a comment is 1–{TEXT_MAX} characters"
        )));
    }
    write::check_video(&state, request.video_id).await?;
    let event = CommentEvent {
        comment_id: state.ids.next_id().await?,
        video_id: request.video_id,
        user_id: request.user_id,
        content: state.filter.mask(text),
        created_ms: write::now_ms(),
        deleted: false,
    };
    let base = dedupe::msg_id(request.user_id, request.video_id, text);
    let mut msg_id = base.clone();
    for _ in 0..ATTEMPTS {
        let stored = write::store(&state, &event, Some(&msg_id)).await?;
        if !stored.duplicate {
            write::apply(&state, stored.sequence, &event).await?;
            return Ok(info(event));
        }
        if let Some(original) = original(&state, &event, stored.sequence).await? {
            return Ok(original);
        }
        msg_id = dedupe::after_deleted(&base, stored.sequence);
    }
    Err(CommentError::Invalid(
        "this comment was posted and deleted too often just now; wait a few seconds".into(),
    ))
}

/// The comment stored at `sequence` under this post's message id, `None` if it was deleted
/// since. It is applied to the hot state first, a no-op where it already is: the first post
/// may still be between its acknowledgement and its hot-state update, or have failed there,
/// and "not in the hot state" must mean deleted, not "not there yet".
async fn original(
    state: &Arc<State>,
    post: &CommentEvent,
    sequence: u64,
) -> Result<Option<CommentInfo>, CommentError> {
    let stored: CommentEvent = mesh::events::stored(&state.js, STREAM, sequence)
        .await
        .map_err(|e| CommentError::Stream(e.to_string()))?;
    // Only a post is stored under a message id, and the id names its author and video.
    if stored.deleted || stored.user_id != post.user_id || stored.video_id != post.video_id {
        return Err(CommentError::Stream(format!(
            "the message at {sequence} is not this comment"
        )));
    }
    write::apply(state, sequence, &stored).await?;
    write::live(state, stored.video_id, stored.comment_id).await
}

fn info(event: CommentEvent) -> CommentInfo {
    CommentInfo {
        id: event.comment_id,
        video_id: event.video_id,
        user_id: event.user_id,
        content: event.content,
        created_ms: event.created_ms,
    }
}
