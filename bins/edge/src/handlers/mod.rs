//! One file per route of the app's API.

pub mod comment_action;
pub mod comment_list;
pub mod favorite_action;
pub mod favorite_list;
pub mod feed;
pub mod friend_list;
pub mod login;
pub mod message_action;
pub mod message_chat;
pub mod message_stream;
pub mod publish_action;
pub mod publish_list;
pub mod register;
pub mod relation_action;
pub mod relation_list;
pub mod user_info;

use axum::Json;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::{
    error::ApiError,
    params::Params,
    views::{User, Video},
};

/// A success body: `status_code` 0, `status_msg`, and the route's own fields, serialised
/// straight to the response bytes (no intermediate `serde_json::Value` of the fields when
/// they are a typed struct, which is what the feed's 30 videos would cost).
#[derive(Debug, Serialize, ToSchema)]
#[schema(description = "A success: status_code 0 and the route's own fields.")]
pub struct Reply<T> {
    /// Always 0 on success.
    #[schema(minimum = 0, maximum = 0)]
    status_code: i32,
    #[schema(value_type = String)]
    status_msg: &'static str,
    #[serde(flatten)]
    fields: T,
}

/// What a route answers on success.
pub type Answer<T = serde_json::Value> = Json<Reply<T>>;

/// The success answer with `fields` (a struct or a JSON object) beside the status.
pub fn ok<T: Serialize>(fields: T) -> Answer<T> {
    Json(Reply {
        status_code: 0,
        status_msg: "ok",
        fields,
    })
}

/// A reply with no fields besides the status (the actions).
#[derive(Debug, Serialize, ToSchema)]
pub struct Done {}

/// A list of videos (a user's works, their likes).
#[derive(Debug, Serialize, ToSchema)]
pub struct VideoList {
    pub video_list: Vec<Video>,
}

/// A list of users (follows, followers).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub user_list: Vec<User>,
    /// Send as `cursor` for the next page; absent on the list's last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The query of a signed-in route.
// Only describes the query: the fields are read through `Params`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SessionQuery {
    /// The session token (also read from a form body, or `Authorization: Bearer`).
    token: Option<String>,
}

/// The query of a per-user read: whose, and who asks.
// Only describes the query: the fields are read through `Params`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct UserQuery {
    /// The user (default: the token's).
    user_id: Option<i64>,
    /// The session token (also read from a form body, or `Authorization: Bearer`).
    token: Option<String>,
}

/// The query of a follow or follower list: whose, who asks, and where the page starts.
// Only describes the query: the fields are read through `Params`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct UserListQuery {
    /// The user (default: the token's).
    user_id: Option<i64>,
    /// The session token (also read from a form body, or `Authorization: Bearer`).
    token: Option<String>,
    /// The `next_cursor` of the previous page (opaque); none: the newest page. A cursor
    /// that is not one is a 400.
    cursor: Option<String>,
}

/// The user a per-user route is about: `user_id`, else the signed-in viewer; 401 without
/// either.
pub fn subject_user(params: &Params, viewer: Option<i64>) -> Result<i64, ApiError> {
    match (params.i64("user_id")?, viewer) {
        (Some(id), _) | (None, Some(id)) => Ok(id),
        (None, None) => Err(ApiError::unauthorized("log in or give a user_id")),
    }
}

/// A required id parameter that must be positive (`video_id=-1` is a 400, not a 404).
pub fn positive_id(params: &Params, name: &str) -> Result<i64, ApiError> {
    let id = params.required_i64(name)?;
    if id <= 0 {
        return Err(ApiError::bad_request(format!(
            "{name} must be a positive id"
        )));
    }
    Ok(id)
}
