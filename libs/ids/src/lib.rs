//! Unique ids of at most 53 bits for every domain that mints them (users, videos, comments, messages):
//! snowflakes whose node id is leased in Redis, so instances never collide.

pub mod lease;
pub mod snowflake;

pub use lease::{LeaseError, NodeLease};
pub use snowflake::{IdError, MAX_ID, Snowflake, node_of};
