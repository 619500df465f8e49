//! The video domain's errors, and how each one is told to a client.

use contract::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("{0}")]
    Invalid(String),
    #[error("the file is not a video that can be read")]
    Unreadable,
    #[error("the video's frames ({width}×{height}) are larger than {max} pixels")]
    FrameTooLarge { width: u64, height: u64, max: u64 },
    #[error("the video took too long to read")]
    TooSlow,
    #[error(transparent)]
    NoIds(#[from] ids::IdError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("object store: {0}")]
    Store(#[from] objects::StoreError),
    #[error("cover extraction: {0}")]
    Ffmpeg(String),
}

impl From<VideoError> for ServiceError {
    fn from(err: VideoError) -> Self {
        match err {
            VideoError::Invalid(message) => ServiceError::bad_request(message),
            VideoError::Unreadable | VideoError::FrameTooLarge { .. } | VideoError::TooSlow => {
                ServiceError::bad_request(err.to_string())
            }
            VideoError::NoIds(_) => ServiceError::unavailable("video ids cannot be minted now"),
            VideoError::Database(db) => mesh::outage::store_error(&db),
            VideoError::Store(_) | VideoError::Ffmpeg(_) => ServiceError::internal(err.to_string()),
        }
    }
}
