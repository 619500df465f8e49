//! The relation domain's errors, and how each one is told to a client.

use std::sync::Arc;

use contract::ServiceError;
use mesh::outage::store_error;

#[derive(Debug, thiserror::Error)]
pub enum RelationError {
    #[error("{0}")]
    Invalid(String),
    #[error("user not found")]
    NoSuchUser,
    #[error("user service: {0}")]
    Users(#[from] mesh::CallError),
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
    Shared(Arc<RelationError>),
    /// The hot state was rebuilt and gone again before it could be read: an empty list
    /// would be a wrong answer presented as a right one, so the client is told to retry.
    #[error("follow lists are unavailable right now")]
    HotStateLost,
}

impl From<RelationError> for ServiceError {
    fn from(err: RelationError) -> Self {
        service_error(&err)
    }
}

/// By reference, so a rebuild's error shared by several requests maps the same for each.
fn service_error(err: &RelationError) -> ServiceError {
    match err {
        RelationError::Invalid(message) => ServiceError::bad_request(message.clone()),
        RelationError::NoSuchUser => ServiceError::not_found(err.to_string()),
        RelationError::Users(call) => call.clone().into(),
        RelationError::Stream(reason) => mesh::events::not_recorded("follows", reason),
        // The tail cannot vouch for the unpersisted events: try again soon.
        RelationError::HotStateLost
        | RelationError::Hot(hotstate::HotError::Behind(_) | hotstate::HotError::JetStream(_)) => {
            ServiceError::unavailable(RelationError::HotStateLost.to_string())
        }
        RelationError::Hot(hotstate::HotError::Redis(redis)) | RelationError::Redis(redis) => {
            store_error(redis)
        }
        RelationError::Database(db) => store_error(db),
        RelationError::Shared(shared) => service_error(shared),
    }
}

impl From<mesh::streams::StreamSetupError> for RelationError {
    fn from(err: mesh::streams::StreamSetupError) -> Self {
        RelationError::Stream(err.to_string())
    }
}

impl From<mesh::events::PublishError> for RelationError {
    fn from(err: mesh::events::PublishError) -> Self {
        RelationError::Stream(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use contract::{ErrorKind, ServiceError};

    use super::RelationError;

    #[test]
    fn a_list_that_cannot_be_loaded_is_unavailable_not_empty() {
        let told = ServiceError::from(RelationError::HotStateLost);
        assert_eq!(told.kind, ErrorKind::Unavailable);
        assert_eq!(told.kind.code(), 503);
    }
}
