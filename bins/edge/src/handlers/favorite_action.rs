//! `POST /douyin/favorite/action/`: like (`action_type=1`) or unlike (`2`) a video.

use axum::extract::State;
use contract::favorite::SetFavorite;

use utoipa::ToSchema;

use super::{Done, Reply};
use crate::{AppState, docs::ErrorBody, error::ApiError, params::Params};

/// The like form (each field may come in the query instead).
// Only describes the form: the fields are read through `Params`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FavoriteForm {
    #[schema(minimum = 1)]
    video_id: i64,
    /// 1 like, 2 unlike.
    #[schema(minimum = 1, maximum = 2)]
    action_type: i32,
}

#[utoipa::path(
    post,
    path = "/douyin/favorite/action/",
    operation_id = "favorite_action",
    tag = "favorite",
    params(super::SessionQuery),
    request_body(content = FavoriteForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "liked or unliked", body = Reply<Done>),
        (status = 401, description = "no valid token", body = ErrorBody),
        (status = 404, description = "the video not found", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer<Done>, ApiError> {
    let user_id = state.writer(&params).await?;
    let video_id = super::positive_id(&params, "video_id")?;
    let liked = match params.required_i64("action_type")? {
        1 => true,
        2 => false,
        _ => {
            return Err(ApiError::bad_request(
                "action_type must be 1 (like) or 2 (unlike)",
            ));
        }
    };
    state
        .caller
        .call(&SetFavorite {
            user_id,
            video_id,
            liked,
        })
        .await?;
    Ok(super::ok(Done {}))
}
