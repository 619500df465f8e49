//! One file per request type of `favorite.v1.*`.

pub mod list;
pub mod set;
pub mod user_stats;
pub mod video_stats;
