//! `user.v1.keys`: the public keys (and issuer / audience) that verify session tokens.

use std::sync::Arc;

use contract::user::{GetVerifyingKeys, VerifyingKeys};

use crate::{State, error::UserError};

pub async fn handle(state: Arc<State>, _: GetVerifyingKeys) -> Result<VerifyingKeys, UserError> {
    Ok(state.tokens.verifying_keys())
}
