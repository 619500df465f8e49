//! The comment domain's errors, and how each one is told to a client.

use std::sync::Arc;

use contract::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum CommentError {
    #[error("{0}")]
    Invalid(String),
    #[error("video not found")]
    NoSuchVideo,
    #[error("comment not found")]
    NoSuchComment,
    #[error("only its author may delete a comment")]
    NotTheAuthor,
    #[error(transparent)]
    NoIds(#[from] ids::IdError),
    #[error("video service: {0}")]
    Video(#[from] mesh::CallError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("redis: {0}")]
    Redis(#[from] fred::error::Error),
    #[error("stream: {0}")]
    Stream(String),
    #[error(transparent)]
    Hot(#[from] hotstate::HotError),
    /// A rebuild shared by several requests failed; each of them is told why.
    #[error(transparent)]
    Shared(Arc<CommentError>),
    /// The hot state was rebuilt and gone again before it could be read: an empty list
    /// would be a wrong answer presented as a right one, so the client is told to retry.
    #[error("comments are unavailable right now")]
    HotStateLost,
}

impl From<CommentError> for ServiceError {
    fn from(err: CommentError) -> Self {
        match err {
            CommentError::Invalid(message) => ServiceError::bad_request(message),
            CommentError::NoSuchVideo | CommentError::NoSuchComment => {
                ServiceError::not_found(err.to_string())
            }
            CommentError::NotTheAuthor => ServiceError::forbidden(err.to_string()),
            CommentError::Video(call) => call.into(),
            CommentError::NoIds(_) | CommentError::Stream(_) => {
                ServiceError::unavailable("comments cannot be recorded right now")
            }
            CommentError::HotStateLost => ServiceError::unavailable(err.to_string()),
            CommentError::Hot(hotstate::HotError::Redis(_))
            | CommentError::Database(_)
            | CommentError::Redis(_) => ServiceError::internal(err.to_string()),
            // The tail cannot vouch for the unpersisted events: try again soon.
            CommentError::Hot(_) => {
                ServiceError::unavailable(CommentError::HotStateLost.to_string())
            }
            CommentError::Shared(shared) => match Arc::try_unwrap(shared) {
                Ok(err) => err.into(),
                // A rebuild fails only on the stores or the tail, as told above.
                Err(shared)
                    if matches!(
                        *shared,
                        CommentError::Hot(
                            hotstate::HotError::Behind(_) | hotstate::HotError::JetStream(_)
                        )
                    ) =>
                {
                    ServiceError::unavailable(CommentError::HotStateLost.to_string())
                }
                Err(shared) => ServiceError::internal(shared.to_string()),
            },
        }
    }
}

impl From<mesh::streams::StreamSetupError> for CommentError {
    fn from(err: mesh::streams::StreamSetupError) -> Self {
        CommentError::Stream(err.to_string())
    }
}
