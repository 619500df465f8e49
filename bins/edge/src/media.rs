//! `GET /media/{key}`: videos and covers out of the object store, with HTTP Range support so
//! players can seek, the stored Content-Type, and long cache lifetimes (objects never change
//! under a key).

use axum::{
    body::Body,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use objects::{ByteRange, StoreError};

use crate::{AppState, error::ApiError};

pub async fn serve(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !is_media_key(&key) {
        return ApiError::not_found("no such media").into_response();
    }
    let range = headers
        .get(header::RANGE)
        .and_then(|value| value.to_str().ok())
        .and_then(ByteRange::parse);
    match state.store.get(&key, range).await {
        Ok(read) => {
            let status = if range.is_some() {
                StatusCode::PARTIAL_CONTENT
            } else {
                StatusCode::OK
            };
            let length = if read.size == 0 {
                0
            } else {
                read.end - read.start + 1
            };
            let mut response = Response::new(Body::from_stream(read.body));
            *response.status_mut() = status;
            let out = response.headers_mut();
            insert(out, header::CONTENT_TYPE, &read.content_type);
            insert(out, header::CONTENT_LENGTH, &length.to_string());
            insert(out, header::ACCEPT_RANGES, "bytes");
            insert(
                out,
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable",
            );
            if range.is_some() {
                let content_range = format!("bytes {}-{}/{}", read.start, read.end, read.size);
                insert(out, header::CONTENT_RANGE, &content_range);
            }
            response
        }
        Err(StoreError::NotFound(_)) => ApiError::not_found("no such media").into_response(),
        Err(StoreError::RangeNotSatisfiable { size }) => {
            let mut response =
                ApiError::new(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable")
                    .into_response();
            insert(
                response.headers_mut(),
                header::CONTENT_RANGE,
                &format!("bytes */{size}"),
            );
            response
        }
        Err(err) => {
            ApiError::from(contract::ServiceError::internal(err.to_string())).into_response()
        }
    }
}

fn insert(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// Keys the system writes: `videos/<hex>` and `covers/<hex>.jpg`. Anything else is refused
/// before it reaches the store.
fn is_media_key(key: &str) -> bool {
    let Some((folder, name)) = key.split_once('/') else {
        return false;
    };
    matches!(folder, "videos" | "covers")
        && !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
        && !name.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::is_media_key;

    #[test]
    fn only_keys_the_system_writes_are_served() {
        assert!(is_media_key("videos/0123abcd"));
        assert!(is_media_key("covers/0123abcd.jpg"));
        assert!(!is_media_key("videos/../secret"));
        assert!(!is_media_key("keys/token"));
        assert!(!is_media_key("videos/"));
        assert!(!is_media_key("covers/.hidden"));
    }
}
