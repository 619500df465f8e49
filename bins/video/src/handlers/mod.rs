//! One file per request type of `video.v1.*`.

pub mod by_author;
pub mod feed;
pub mod get;
pub mod publish;
pub mod work_counts;

use contract::video::{AuthorCount, Videos};

use crate::store::PageRow;

/// A page's reply: its videos, and each of their authors' work count once.
fn page(rows: Vec<PageRow>) -> Videos {
    let mut work_counts: Vec<AuthorCount> = Vec::new();
    let mut videos = Vec::with_capacity(rows.len());
    for (video, count) in rows {
        if !work_counts
            .iter()
            .any(|known| known.author_id == video.author_id)
        {
            work_counts.push(AuthorCount {
                author_id: video.author_id,
                count,
            });
        }
        videos.push(video);
    }
    Videos {
        videos,
        work_counts,
    }
}
