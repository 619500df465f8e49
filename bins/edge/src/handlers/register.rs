//! `POST /douyin/user/register/`: create an account; answers its id and a session token.

use axum::extract::State;
use contract::user::{Register, Session};

use crate::{AppState, error::ApiError, params::Params};

pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer<Session>, ApiError> {
    let request = Register {
        username: params.required("username")?.to_owned(),
        password: params.required("password")?.to_owned(),
    };
    let session = state.caller.call(&request).await?;
    Ok(super::ok(session))
}
