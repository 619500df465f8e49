//! One file per request type of `video.v1.*`.

pub mod by_author;
pub mod feed;
pub mod get;
pub mod publish;
pub mod work_counts;
