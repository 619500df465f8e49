//! `POST /douyin/user/login/`: open a session; answers the user id and a token.

use axum::extract::State;
use contract::user::{Login, Session};

use crate::{AppState, error::ApiError, params::Params};

pub async fn handle(
    State(state): State<AppState>,
    params: Params,
) -> Result<super::Answer<Session>, ApiError> {
    let username = params.required("username")?;
    // Counted before the password is checked: wrong guesses are what the limit slows.
    state.limits.login(username)?;
    let request = Login {
        username: username.to_owned(),
        password: params.required("password")?.to_owned(),
    };
    let session = state.caller.call(&request).await?;
    Ok(super::ok(session))
}
