//! `POST /douyin/user/register/`: create an account; answers its id and a session token.

use axum::extract::State;
use contract::user::{Register, Session};

use super::Reply;
use crate::{AppState, docs::ErrorBody, error::ApiError, params::Params};
use utoipa::ToSchema;

/// The register and login form (each field may come in the query instead).
// Only describes the form: the fields are read through `Params`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Credentials {
    #[schema(min_length = 1, max_length = 32)]
    username: String,
    #[schema(min_length = 6, max_length = 32)]
    password: String,
}

#[utoipa::path(
    post,
    path = "/douyin/user/register/",
    operation_id = "register",
    tag = "user",
    request_body(content = Credentials, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "the account and a session", body = Reply<Session>),
        (status = 403, description = "registration is closed (`features.registration`)", body = ErrorBody),
        (status = 409, description = "the username is taken", body = ErrorBody),
    ),
)]
pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer<Session>, ApiError> {
    state.registration_open()?;
    let request = Register {
        username: params.required("username")?.to_owned(),
        password: params.required("password")?.to_owned(),
    };
    let session = state.caller.call(&request).await?;
    Ok(super::ok(session))
}
