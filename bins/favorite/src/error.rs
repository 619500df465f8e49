//! The favorite domain's errors, and how each one is told to a client.

use contract::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum FavoriteError {
    #[error("{0}")]
    Invalid(String),
    #[error("video not found")]
    NoSuchVideo,
    #[error("video service: {0}")]
    Video(#[from] mesh::CallError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("redis: {0}")]
    Redis(#[from] fred::error::Error),
    #[error("stream: {0}")]
    Stream(String),
}

impl From<FavoriteError> for ServiceError {
    fn from(err: FavoriteError) -> Self {
        match err {
            FavoriteError::Invalid(message) => ServiceError::bad_request(message),
            FavoriteError::NoSuchVideo => ServiceError::not_found(err.to_string()),
            FavoriteError::Video(call) => call.into(),
            FavoriteError::Stream(_) => {
                ServiceError::unavailable("likes cannot be recorded right now")
            }
            FavoriteError::Database(_) | FavoriteError::Redis(_) => {
                ServiceError::internal(err.to_string())
            }
        }
    }
}

impl From<mesh::streams::StreamSetupError> for FavoriteError {
    fn from(err: mesh::streams::StreamSetupError) -> Self {
        FavoriteError::Stream(err.to_string())
    }
}

impl From<mesh::events::PublishError> for FavoriteError {
    fn from(err: mesh::events::PublishError) -> Self {
        FavoriteError::Stream(err.to_string())
    }
}

impl From<hotstate::TailError> for FavoriteError {
    fn from(err: hotstate::TailError) -> Self {
        FavoriteError::Stream(err.to_string())
    }
}
