//! `comment.v1.post`: 1–500 characters after trimming, sensitive words masked; the video
//! must exist. Answers the stored comment.

use std::sync::Arc;

use contract::comment::{CommentEvent, CommentInfo, PostComment};

use crate::{State, error::CommentError, write};

const TEXT_MAX: usize = 500;

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
    write::record(&state, &event).await?;
    Ok(CommentInfo {
        id: event.comment_id,
        video_id: event.video_id,
        user_id: event.user_id,
        content: event.content,
        created_ms: event.created_ms,
    })
}
