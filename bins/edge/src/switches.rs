//! The feature switches of the config centre (`features.*`) as the routes apply them: read
//! per request through the live handle (one atomic load), so a flip takes effect at once.

use axum::http::StatusCode;

use crate::{AppState, error::ApiError};

impl AppState {
    /// 403 while `features.registration` is off.
    pub fn registration_open(&self) -> Result<(), ApiError> {
        if self.live_config.features().registration {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "registration is closed",
            ))
        }
    }

    /// 503 while `features.uploads` is off.
    pub fn uploads_on(&self) -> Result<(), ApiError> {
        if self.live_config.features().uploads {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "uploads are turned off; try again later",
            ))
        }
    }
}
