//! `POST /douyin/relation/action/`: follow (`action_type=1`) or unfollow (`2`) `to_user_id`.

use axum::extract::State;
use contract::relation::SetFollow;
use serde_json::json;

use crate::{AppState, error::ApiError, params::Params};

pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer, ApiError> {
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
    Ok(super::ok(json!({})))
}
