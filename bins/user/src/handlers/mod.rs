//! One file per request type of `user.v1.*`.

pub mod get;
pub mod keys;
pub mod login;
pub mod register;
