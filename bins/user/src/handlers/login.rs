//! `user.v1.login`: check a username and password and open a session. Unknown user and
//! wrong password answer the same message after the same work.

use std::sync::Arc;

use contract::user::{Login, Session};

use crate::{State, error::UserError, password, store};

pub async fn handle(state: Arc<State>, request: Login) -> Result<Session, UserError> {
    if request.username.is_empty() || request.password.is_empty() {
        return Err(UserError::Invalid(
            "username and password are required".into(),
        ));
    }
    let account = store::find_account(&state.db, &request.username).await?;
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let matches = password::verify(request.password, stored).await?;
    match account {
        Some(account) if matches => {
            let token = state.tokens.mint(account.id)?;
            Ok(Session {
                user_id: account.id,
                token,
            })
        }
        _ => Err(UserError::BadCredentials),
    }
}
