//! Replies that are lists, cut from their end to fit a byte budget (a NATS message has a
//! maximum payload): a shorter page the client pages on from, instead of a reply that
//! cannot be sent at all.

use crate::{
    chat::{LatestMessages, Messages},
    comment::Comments,
    favorite::FavoriteVideos,
    paging::page_without_split,
    relation::UserIds,
    video::Videos,
};

/// A list reply that can drop items from its end and stay a consistent reply.
pub trait Trim {
    /// How many items the reply holds.
    fn items(&self) -> usize;

    /// Keeps at most the first `keep` items. Time-paged lists may keep fewer, so the page
    /// never ends in the middle of a millisecond (the client's next cursor is the last time
    /// it got, strictly after/before: a split millisecond would be skipped).
    fn keep_first(&mut self, keep: usize);
}

/// Cuts `rows` to `keep` without splitting a millisecond ([`page_without_split`]).
fn cut_at_time<T>(rows: &mut Vec<T>, keep: usize, time: impl Fn(&T) -> i64) {
    if keep < rows.len() {
        *rows = page_without_split(std::mem::take(rows), keep, time);
    }
}

impl Trim for Comments {
    fn items(&self) -> usize {
        self.comments.len()
    }
    fn keep_first(&mut self, keep: usize) {
        self.comments.truncate(keep);
    }
}

impl Trim for Videos {
    fn items(&self) -> usize {
        self.videos.len()
    }
    /// The feed pages on by `created_ms`; work counts of authors no longer listed go too.
    fn keep_first(&mut self, keep: usize) {
        cut_at_time(&mut self.videos, keep, |video| video.created_ms);
        let videos = &self.videos;
        self.work_counts.retain(|count| {
            videos
                .iter()
                .any(|video| video.author_id == count.author_id)
        });
    }
}

impl Trim for FavoriteVideos {
    fn items(&self) -> usize {
        self.video_ids.len()
    }
    fn keep_first(&mut self, keep: usize) {
        self.video_ids.truncate(keep);
    }
}

impl Trim for UserIds {
    fn items(&self) -> usize {
        self.user_ids.len()
    }
    fn keep_first(&mut self, keep: usize) {
        self.user_ids.truncate(keep);
    }
}

impl Trim for Messages {
    fn items(&self) -> usize {
        self.messages.len()
    }
    /// Chat history pages on by `create_time` (`pre_msg_time`).
    fn keep_first(&mut self, keep: usize) {
        cut_at_time(&mut self.messages, keep, |message| message.create_time);
    }
}

impl Trim for LatestMessages {
    fn items(&self) -> usize {
        self.latest.len()
    }
    /// Peers cut off show without a latest message: a friend list still answers.
    fn keep_first(&mut self, keep: usize) {
        self.latest.truncate(keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::MessageInfo;

    fn message(id: i64, create_time: i64) -> MessageInfo {
        MessageInfo {
            id,
            from_id: 1,
            to_id: 2,
            content: String::new(),
            create_time,
        }
    }

    #[test]
    fn a_trimmed_history_ends_at_a_whole_millisecond() {
        let mut history = Messages {
            messages: vec![
                message(1, 10),
                message(2, 11),
                message(3, 11),
                message(4, 12),
            ],
        };
        history.keep_first(2);
        let ids: Vec<i64> = history.messages.iter().map(|m| m.id).collect();
        assert_eq!(ids, [1]);
        history.keep_first(5);
        assert_eq!(history.items(), 1);
    }
}
