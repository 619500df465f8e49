//! The user domain: accounts, sessions and the public keys that verify session tokens.

use serde::{Deserialize, Serialize};

use crate::Rpc;

/// Service name under the NATS service API (`$SRV.INFO.user`).
pub const SERVICE: &str = "user";

/// A notice (core NATS, no stream) that an account was just created. The domains with
/// per-user hot state (likes, follows) load the new user's empty groups on hearing it,
/// while MySQL is surely up, so the counts and lists of a user nobody has read yet keep
/// answering through a MySQL outage. A lost notice costs one rebuild at the first read.
pub const REGISTERED_SUBJECT: &str = "evt.user.registered";

/// The payload of [`REGISTERED_SUBJECT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRegistered {
    pub user_id: i64,
}

/// Create an account and open a session for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Register {
    pub username: String,
    pub password: String,
}

impl Rpc for Register {
    const SUBJECT: &'static str = "user.v1.register";
    type Reply = Session;
}

/// Open a session for an existing account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Login {
    pub username: String,
    pub password: String,
}

impl Rpc for Login {
    const SUBJECT: &'static str = "user.v1.login";
    type Reply = Session;
}

/// A signed-in user: their id and a bearer token (a JWT signed with EdDSA).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub user_id: i64,
    pub token: String,
}

/// Profiles of many users in one request; unknown ids are left out of the reply.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GetUsers {
    pub ids: Vec<i64>,
}

impl Rpc for GetUsers {
    const SUBJECT: &'static str = "user.v1.get";
    type Reply = Users;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Users {
    pub users: Vec<Profile>,
}

/// What the user domain owns of a user; counts come from the domains that own them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: i64,
    pub name: String,
    pub avatar: String,
    pub background_image: String,
    pub signature: String,
}

/// The public keys that verify session tokens, and the claims a token must carry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GetVerifyingKeys {}

impl Rpc for GetVerifyingKeys {
    const SUBJECT: &'static str = "user.v1.keys";
    type Reply = VerifyingKeys;
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerifyingKeys {
    pub issuer: String,
    pub audience: String,
    pub keys: Vec<VerifyingKey>,
}

/// An Ed25519 public key (SPKI PEM) and its key id, the `kid` of the tokens it verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyingKey {
    pub kid: String,
    pub public_pem: String,
}

/// The claims of a session token. `sub` is the user id in decimal (JWT subjects are strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
}
