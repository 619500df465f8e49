//! The one error type of the edge: every failure becomes a JSON body
//! `{"status_code": <non-zero>, "status_msg": "..."}` with the matching HTTP status.
//! `status_code` repeats the HTTP status, so apps that only read the body still learn it.

use std::time::Duration;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use contract::{ErrorKind, ServiceError};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// Seconds until a retry can succeed, sent as `Retry-After` (rate limits).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, message)
    }
    /// A 429 naming the limit hit; `Retry-After` rounds the wait up, so a client that
    /// obeys it is let through (a sub-second wait is 1, never 0).
    pub fn too_many(limit: &str, wait: Duration) -> Self {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let seconds = seconds.max(1);
        Self {
            retry_after: Some(seconds),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many requests ({limit}); retry in {seconds} s"),
            )
        }
    }
    /// A fault of the edge itself: logged here, opaque to the client.
    pub fn internal(detail: &str) -> Self {
        tracing::error!(error = detail, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }
}

impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        let status = StatusCode::from_u16(err.kind.code()).unwrap_or(StatusCode::BAD_GATEWAY);
        if err.kind == ErrorKind::Internal {
            tracing::error!(error = %err.message, "internal error");
            return Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
        }
        Self::new(status, err.message)
    }
}

impl From<mesh::CallError> for ApiError {
    fn from(err: mesh::CallError) -> Self {
        if !matches!(err, mesh::CallError::Service(_)) {
            tracing::warn!(error = %err, "call failed");
        }
        ServiceError::from(err).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "status_code": self.status.as_u16(),
            "status_msg": self.message,
        });
        let mut response = (self.status, Json(body)).into_response();
        // 503 is "busy or briefly down, come back" (RFC 9110 §10.2.3) and 429 names its
        // own wait: tell clients when.
        let retry_after = self
            .retry_after
            .or((self.status == StatusCode::SERVICE_UNAVAILABLE).then_some(1));
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The answer to any route that does not exist.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

/// The answer to a known route called with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_error_maps_to_its_status_and_internal_ones_are_opaque() {
        for kind in ErrorKind::ALL {
            let api = ApiError::from(ServiceError::new(kind, "secret detail"));
            assert_eq!(api.status.as_u16(), kind.code());
            let opaque = kind == ErrorKind::Internal;
            assert_eq!(api.message == "internal error", opaque);
        }
    }
}
