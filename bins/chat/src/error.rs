//! The chat domain's errors, and how each one is told to a client.

use contract::ServiceError;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error("{0}")]
    Invalid(String),
    #[error("user not found")]
    NoSuchUser,
    #[error(transparent)]
    NoIds(#[from] ids::IdError),
    #[error("user service: {0}")]
    Users(#[from] mesh::CallError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Neither the store nor the `MESSAGES` stream took the message.
    #[error("messages stream: {0}")]
    Stream(String),
}

impl From<ChatError> for ServiceError {
    fn from(err: ChatError) -> Self {
        match err {
            ChatError::Invalid(message) => ServiceError::bad_request(message),
            ChatError::NoSuchUser => ServiceError::not_found(err.to_string()),
            ChatError::NoIds(_) => ServiceError::unavailable("messages cannot be sent right now"),
            ChatError::Users(call) => call.into(),
            ChatError::Store(store) => mesh::outage::store_error(&store),
            ChatError::Stream(reason) => mesh::events::not_recorded("messages", &reason),
        }
    }
}
