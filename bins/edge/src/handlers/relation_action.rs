//! `POST /douyin/relation/action/`: follow (`action_type=1`) or unfollow (`2`) `to_user_id`.

use axum::extract::State;
use contract::relation::SetFollow;

use utoipa::ToSchema;

use super::{Done, Reply};
use crate::{AppState, docs::ErrorBody, error::ApiError, params::Params};

/// The follow form (each field may come in the query instead).
// Only describes the form: the fields are read through `Params`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RelationForm {
    #[schema(minimum = 1)]
    to_user_id: i64,
    /// 1 follow, 2 unfollow.
    #[schema(minimum = 1, maximum = 2)]
    action_type: i32,
}

#[utoipa::path(
    post,
    path = "/douyin/relation/action/",
    operation_id = "relation_action",
    tag = "relation",
    params(super::SessionQuery),
    request_body(content = RelationForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "followed or unfollowed", body = Reply<Done>),
        (status = 401, description = "no valid token", body = ErrorBody),
        (status = 404, description = "the user not found", body = ErrorBody),
    ),
    security((), ("bearer" = [])),
)]
pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer<Done>, ApiError> {
    let follower_id = state.writer(&params).await?;
    let followee_id = super::positive_id(&params, "to_user_id")?;
    let following = match params.required_i64("action_type")? {
        1 => true,
        2 => false,
        _ => {
            return Err(ApiError::bad_request(
                "action_type must be 1 (follow) or 2 (unfollow)",
            ));
        }
    };
    let request = SetFollow {
        follower_id,
        followee_id,
        following,
    };
    state.caller.call(&request).await?;
    Ok(super::ok(Done {}))
}
