//! The favorite domain's errors, and how each one is told to a client.

use contract::ServiceError;
use hotstate::HotError;
use mesh::outage::store_error;

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
    #[error("hot state: {0}")]
    Hot(#[from] hotstate::HotError),
    /// A rebuild shared with other requests failed.
    #[error("rebuild: {0}")]
    Rebuild(std::sync::Arc<FavoriteError>),
}

impl From<FavoriteError> for ServiceError {
    fn from(err: FavoriteError) -> Self {
        match err {
            FavoriteError::Invalid(message) => ServiceError::bad_request(message),
            FavoriteError::Video(call) => call.into(),
            other => service_error(&other),
        }
    }
}

/// By reference, so a rebuild's error shared by several requests maps the same for each.
fn service_error(err: &FavoriteError) -> ServiceError {
    match err {
        FavoriteError::Invalid(message) => ServiceError::bad_request(message.clone()),
        FavoriteError::NoSuchVideo => ServiceError::not_found(err.to_string()),
        FavoriteError::Video(_) => ServiceError::unavailable("the video service is unavailable"),
        FavoriteError::Stream(reason) => mesh::events::not_recorded("likes", reason),
        FavoriteError::Hot(HotError::Behind(_) | HotError::JetStream(_)) => {
            ServiceError::unavailable("likes cannot be served right now")
        }
        FavoriteError::Rebuild(inner) => service_error(inner),
        FavoriteError::Database(db) => store_error(db),
        FavoriteError::Redis(redis) | FavoriteError::Hot(HotError::Redis(redis)) => {
            store_error(redis)
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
