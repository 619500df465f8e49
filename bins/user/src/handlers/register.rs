//! `user.v1.register`: create an account and open its first session.

use std::sync::Arc;

use contract::user::{REGISTERED_SUBJECT, Register, Session, UserRegistered};

use crate::{State, error::UserError, password, store, validate};

pub async fn handle(state: Arc<State>, request: Register) -> Result<Session, UserError> {
    validate::username(&request.username)?;
    validate::password(&request.password)?;
    let hash = password::hash(request.password).await?;
    let user_id = state.ids.next_id().await?;
    store::insert_user(&state.db, user_id, &request.username, &hash).await?;
    tracing::info!(user_id, "user registered");
    let row = store::ProfileRow {
        id: user_id,
        username: request.username,
        avatar: None,
        background_image: None,
        signature: None,
    };
    state.profiles.registered(row).await;
    let notice = UserRegistered { user_id };
    mesh::notices::send(&state.nats, REGISTERED_SUBJECT.into(), &notice).await;
    let token = state.tokens.mint(user_id)?;
    Ok(Session { user_id, token })
}
