//! Replies that are lists, cut from their end to fit a byte budget (a NATS message has a
//! maximum payload): a shorter page the client pages on from, instead of a reply that
//! cannot be sent at all.

use crate::{
    chat::{LatestMessages, Messages},
    comment::Comments,
    favorite::FavoriteVideos,
    paging::page_without_split,
    relation::{ListCursor, UserIds},
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

impl Trim for Messages {
    fn items(&self) -> usize {
        self.messages.len()
    }
    /// Chat history pages on by `create_time` (`pre_msg_time`).
    fn keep_first(&mut self, keep: usize) {
        cut_at_time(&mut self.messages, keep, |message| message.create_time);
    }
}

/// Lists without a cursor: any first part is a consistent reply.
macro_rules! trim_by_truncating {
    ($($reply:ty => $list:ident),+ $(,)?) => {
        $(
            impl Trim for $reply {
                fn items(&self) -> usize {
                    self.$list.len()
                }
                fn keep_first(&mut self, keep: usize) {
                    self.$list.truncate(keep);
                }
            }
        )+
    };
}

// Peers cut off the latest messages show without one: the friend list still answers.
trim_by_truncating!(
    Comments => comments,
    FavoriteVideos => video_ids,
    LatestMessages => latest,
);

impl Trim for UserIds {
    fn items(&self) -> usize {
        self.user_ids.len()
    }
    /// A cut page goes on after its last kept entry, so nothing cut off is lost.
    fn keep_first(&mut self, keep: usize) {
        if keep >= self.user_ids.len() {
            return;
        }
        self.user_ids.truncate(keep);
        self.times_ms.truncate(keep);
        if let (Some(user_id), Some(at_ms)) = (self.user_ids.last(), self.times_ms.last()) {
            self.next = Some(ListCursor {
                at_ms: *at_ms,
                user_id: *user_id,
            });
        }
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

    #[test]
    fn a_trimmed_user_list_goes_on_after_its_last_kept_entry() {
        let mut page = UserIds {
            user_ids: vec![9, 8, 7],
            times_ms: vec![30, 20, 20],
            next: None,
        };
        page.keep_first(2);
        assert_eq!(page.user_ids, [9, 8]);
        assert_eq!(page.times_ms, [30, 20]);
        let next = ListCursor {
            at_ms: 20,
            user_id: 8,
        };
        assert_eq!(page.next, Some(next));
        page.keep_first(5);
        assert_eq!(page.next, Some(next), "nothing cut, cursor kept");
    }
}
