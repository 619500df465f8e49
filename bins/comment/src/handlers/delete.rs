//! `comment.v1.delete`: only the comment's author may delete it (403); a comment that is not
//! there (never was, or already deleted) is 404.

use std::sync::Arc;

use contract::comment::{CommentDeleted, CommentEvent, DeleteComment};

use crate::{State, error::CommentError, write};

pub async fn handle(
    state: Arc<State>,
    request: DeleteComment,
) -> Result<CommentDeleted, CommentError> {
    write::check_video(&state, request.video_id).await?;
    let comment = write::live(&state, request.video_id, request.comment_id).await?;
    let comment = comment.ok_or(CommentError::NoSuchComment)?;
    if comment.user_id != request.user_id {
        return Err(CommentError::NotTheAuthor);
    }
    let event = CommentEvent {
        comment_id: comment.id,
        video_id: comment.video_id,
        user_id: comment.user_id,
        content: comment.content,
        created_ms: comment.created_ms,
        deleted: true,
    };
    write::record(&state, &event).await?;
    Ok(CommentDeleted {})
}
