//! The comment domain's errors, and how each one is told to a client.

use std::sync::Arc;

use contract::ServiceError;
use mesh::outage::store_error;

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
        service_error(&err)
    }
}

/// By reference, so a rebuild's error shared by several requests maps the same for each.
fn service_error(err: &CommentError) -> ServiceError {
    match err {
        CommentError::Invalid(message) => ServiceError::bad_request(message.clone()),
        CommentError::NoSuchVideo | CommentError::NoSuchComment => {
            ServiceError::not_found(err.to_string())
        }
        CommentError::NotTheAuthor => ServiceError::forbidden(err.to_string()),
        CommentError::Video(call) => call.clone().into(),
        CommentError::NoIds(_) => {
            ServiceError::unavailable("comments cannot be recorded right now")
        }
        CommentError::Stream(reason) => mesh::events::not_recorded("comments", reason),
        // The tail cannot vouch for the unpersisted events: try again soon.
        CommentError::HotStateLost
        | CommentError::Hot(hotstate::HotError::Behind(_) | hotstate::HotError::JetStream(_)) => {
            ServiceError::unavailable(CommentError::HotStateLost.to_string())
        }
        CommentError::Hot(hotstate::HotError::Redis(redis)) | CommentError::Redis(redis) => {
            store_error(redis)
        }
        CommentError::Database(db) => store_error(db),
        CommentError::Shared(shared) => service_error(shared),
    }
}

impl From<mesh::streams::StreamSetupError> for CommentError {
    fn from(err: mesh::streams::StreamSetupError) -> Self {
        CommentError::Stream(err.to_string())
    }
}
