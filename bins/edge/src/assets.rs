//! The default avatar and background image, embedded in the binary so a fresh install shows
//! pictures without calling anything on the internet.

use axum::{
    extract::Path,
    http::header,
    response::{IntoResponse, Response},
};

use crate::error::ApiError;

const AVATAR: &[u8] = include_bytes!("../static/avatar.png");
const BACKGROUND: &[u8] = include_bytes!("../static/background.png");

pub async fn serve(Path(file): Path<String>) -> Response {
    let bytes = match file.as_str() {
        "avatar.png" => AVATAR,
        "background.png" => BACKGROUND,
        _ => return ApiError::not_found("no such file").into_response(),
    };
    let headers = [
        (header::CONTENT_TYPE, "image/png"),
        (header::CACHE_CONTROL, "public, max-age=86400"),
    ];
    (headers, bytes).into_response()
}
