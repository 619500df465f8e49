//! The one error type of the edge: every failure becomes a JSON body
//! `{"status_code": <non-zero>, "status_msg": "..."}` with the matching HTTP status.
//! `status_code` repeats the HTTP status, so apps that only read the body still learn it.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use contract::{ErrorKind, ServiceError};
use serde_json::json;

/// What a 503 tells clients to wait before they retry, in seconds.
const RETRY_AFTER_SECS: &str = "1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
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
        // A 503 is an outage of NATS, a worker or a store: tell clients when to retry, so they
        // neither give up nor hammer the edge while it lasts.
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECS),
            );
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

    #[test]
    fn only_an_outage_tells_clients_when_to_retry() {
        for kind in ErrorKind::ALL {
            let response = ApiError::from(ServiceError::new(kind, "detail")).into_response();
            let retry_after = response.headers().get(header::RETRY_AFTER);
            assert_eq!(
                retry_after.is_some(),
                kind == ErrorKind::Unavailable,
                "{kind:?}"
            );
        }
    }
}
