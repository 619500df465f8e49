//! One file per request type of `comment.v1.*`.

pub mod counts;
pub mod delete;
pub mod list;
pub mod post;
