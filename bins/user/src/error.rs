//! The user domain's errors, and how each one is told to a client.

use contract::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0}")]
    Invalid(String),
    #[error("username is already taken")]
    UsernameTaken,
    #[error("wrong username or password")]
    BadCredentials,
    #[error(transparent)]
    NoNodeId(#[from] ids::IdError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("password hashing: {0}")]
    Hashing(String),
    #[error("token signing: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

impl From<UserError> for ServiceError {
    fn from(err: UserError) -> Self {
        match err {
            UserError::Invalid(message) => ServiceError::bad_request(message),
            UserError::UsernameTaken => ServiceError::conflict(err.to_string()),
            UserError::BadCredentials => ServiceError::unauthorized(err.to_string()),
            UserError::NoNodeId(_) => {
                tracing::error!(error = %err, "refusing to mint ids");
                ServiceError::unavailable("user ids cannot be minted right now, try again")
            }
            UserError::Database(db) => mesh::outage::store_error(&db),
            UserError::Hashing(_) | UserError::Signing(_) => {
                ServiceError::internal(err.to_string())
            }
        }
    }
}
