//! One file per request type of `relation.v1.*`.

pub mod list;
pub mod set;
pub mod stats;
