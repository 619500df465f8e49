//! One file per request type of `chat.v1.*`.

pub mod history;
pub mod latest;
pub mod send;
