//! `comment.v1.list`: a video's comments, newest first (the newest 1000).

use std::sync::Arc;

use contract::comment::{Comments, ListComments};

use crate::{State, error::CommentError, hot::Loaded, rebuild};

const MAX_LIST: usize = 1_000;

pub async fn handle(state: Arc<State>, request: ListComments) -> Result<Comments, CommentError> {
    for _ in 0..2 {
        if let Loaded::Yes(comments) = state.hot.list(request.video_id, MAX_LIST).await? {
            return Ok(Comments { comments });
        }
        rebuild::video(&state, request.video_id).await?;
    }
    // Loaded twice and missing twice (Redis evicting or flushing under us): not "none".
    Err(CommentError::HotStateLost)
}

#[cfg(test)]
mod tests {
    use contract::{ErrorKind, ServiceError};

    use crate::error::CommentError;

    #[test]
    fn a_list_that_cannot_be_loaded_is_unavailable_not_empty() {
        let told = ServiceError::from(CommentError::HotStateLost);
        assert_eq!(told.kind, ErrorKind::Unavailable);
    }
}
