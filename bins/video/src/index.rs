//! The feed index: the newest videos (immutable facts) and their authors' work counts, held
//! in each video worker's memory, so a feed page costs no MySQL query and the newest pages
//! keep answering while MySQL is down. It is complete for every video created after
//! `floor_ms`; a page that reaches below that is not answered here (the caller asks MySQL).

use std::{
    collections::{BTreeMap, HashMap},
    sync::RwLock,
};

use contract::video::VideoInfo;
use sqlx::MySqlPool;

use crate::store::{self, PageRow};

/// Below every real time: the index holds the whole catalogue.
const EVERYTHING: i64 = i64::MIN;

pub struct FeedIndex {
    capacity: usize,
    inner: RwLock<Inner>,
}

struct Inner {
    /// Newest last: (created_ms, id), the feed's order reversed.
    videos: BTreeMap<(i64, i64), VideoInfo>,
    authors: HashMap<i64, Author>,
    /// Every video created strictly after this is held.
    floor_ms: i64,
}

/// An author's work count, and how many of the held videos are theirs (dropped at zero, so
/// the map is bounded by the videos held).
struct Author {
    works: i64,
    held: usize,
}

impl FeedIndex {
    /// An index of nothing that answers nothing (`video.feed_index_videos = 0`).
    pub fn disabled() -> Self {
        Self::from_rows(0, Vec::new(), i64::MAX)
    }

    /// The newest `capacity` videos from MySQL (one query), or nothing when it is 0.
    pub async fn load(pool: &MySqlPool, capacity: usize) -> Result<Self, sqlx::Error> {
        if capacity == 0 {
            return Ok(Self::disabled());
        }
        let limit = u32::try_from(capacity + 1).unwrap_or(u32::MAX);
        let mut rows = store::feed(pool, i64::MAX, limit).await?;
        let mut floor_ms = EVERYTHING;
        if rows.len() > capacity {
            // The row past the capacity may share its millisecond with held ones: that whole
            // millisecond is left out, so the index is complete for what it claims.
            floor_ms = rows[capacity].0.created_ms;
            rows.retain(|(video, _)| video.created_ms > floor_ms);
        }
        Ok(Self::from_rows(capacity, rows, floor_ms))
    }

    fn from_rows(capacity: usize, rows: Vec<PageRow>, floor_ms: i64) -> Self {
        let index = Self {
            capacity,
            inner: RwLock::new(Inner {
                videos: BTreeMap::new(),
                authors: HashMap::new(),
                floor_ms,
            }),
        };
        for (video, works) in rows {
            index.insert(video, works);
        }
        index
    }

    pub fn len(&self) -> usize {
        self.read().videos.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The creation time of the newest video held.
    pub fn newest_ms(&self) -> Option<i64> {
        self.read().videos.last_key_value().map(|((ms, _), _)| *ms)
    }

    /// Takes over what `fresh` holds (a reload replacing a stale index in one step).
    pub fn refill(&self, fresh: FeedIndex) {
        let fresh = fresh
            .inner
            .into_inner()
            .unwrap_or_else(|poison| poison.into_inner());
        *self.write() = fresh;
    }

    /// The first `rows` videos created before `before_ms`, newest first, with their authors'
    /// work counts — exactly what the MySQL page query returns — or `None` when the index
    /// cannot tell (the page reaches below what it holds).
    pub fn page(&self, before_ms: i64, rows: usize) -> Option<Vec<PageRow>> {
        let inner = self.read();
        let page: Vec<PageRow> = inner
            .videos
            .range(..(before_ms, i64::MIN))
            .rev()
            .take_while(|((created_ms, _), _)| *created_ms > inner.floor_ms)
            .take(rows)
            .map(|(_, video)| {
                let works = inner.authors.get(&video.author_id).map_or(0, |a| a.works);
                (video.clone(), works)
            })
            .collect();
        (page.len() == rows || inner.floor_ms == EVERYTHING).then_some(page)
    }

    /// The work counts this index can vouch for, and the authors it cannot: an author with a
    /// held video has their full count; with the whole catalogue held, an author with none
    /// has published nothing and is left out (as MySQL's reply leaves them out). So the
    /// counts the feed carries keep answering while MySQL is down.
    pub fn work_counts(&self, author_ids: &[i64]) -> (Vec<(i64, i64)>, Vec<i64>) {
        let inner = self.read();
        let whole = inner.floor_ms == EVERYTHING;
        let mut known = Vec::new();
        let mut unknown = Vec::new();
        for &id in author_ids {
            match inner.authors.get(&id) {
                Some(author) => known.push((id, author.works)),
                None if whole => {}
                None => unknown.push(id),
            }
        }
        (known, unknown)
    }

    /// Holds `video` (again: a second insert only raises the work count), dropping the
    /// oldest past the capacity. `works` is the author's count including this video; counts
    /// only grow, so the highest one seen is the current one, in whatever order copies come.
    pub fn insert(&self, video: VideoInfo, works: i64) {
        let mut inner = self.write();
        if video.created_ms <= inner.floor_ms {
            return;
        }
        let author = video.author_id;
        let fresh = inner
            .videos
            .insert((video.created_ms, video.id), video)
            .is_none();
        let entry = inner
            .authors
            .entry(author)
            .or_insert(Author { works, held: 0 });
        entry.works = entry.works.max(works);
        entry.held += usize::from(fresh);
        while inner.videos.len() > self.capacity {
            inner.evict_oldest();
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every update is a few
        // infallible map operations), so a poisoned lock is still read.
        self.inner
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner
            .write()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

impl Inner {
    fn evict_oldest(&mut self) {
        let Some(((created_ms, _), video)) = self.videos.pop_first() else {
            return;
        };
        self.floor_ms = self.floor_ms.max(created_ms);
        if let Some(author) = self.authors.get_mut(&video.author_id) {
            author.held -= 1;
            if author.held == 0 {
                self.authors.remove(&video.author_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video(id: i64, author_id: i64, created_ms: i64) -> VideoInfo {
        VideoInfo {
            id,
            author_id,
            title: format!("v{id}"),
            play_key: format!("videos/{id}"),
            cover_key: format!("covers/{id}.jpg"),
            created_ms,
        }
    }

    fn ids(page: Option<Vec<PageRow>>) -> Option<Vec<i64>> {
        page.map(|rows| rows.into_iter().map(|(video, _)| video.id).collect())
    }

    #[test]
    fn a_full_index_drops_its_oldest_and_no_longer_answers_below_it() {
        let index = FeedIndex::from_rows(3, Vec::new(), EVERYTHING);
        for (id, ms) in [(1, 10), (2, 20), (3, 20), (4, 30)] {
            index.insert(video(id, 7, ms), id);
        }
        assert_eq!(index.len(), 3);
        // Newest first, ties by id descending, like the MySQL query.
        assert_eq!(ids(index.page(i64::MAX, 3)), Some(vec![4, 3, 2]));
        assert_eq!(ids(index.page(30, 2)), Some(vec![3, 2]));
        // Video 1 (10 ms) was dropped: a page that would reach it is not answered.
        assert_eq!(ids(index.page(30, 3)), None);
        assert_eq!(
            index.page(i64::MAX, 1).unwrap()[0].1,
            4,
            "highest count kept"
        );
    }

    #[test]
    fn a_copy_seen_twice_is_held_once_and_an_old_one_is_ignored() {
        let index = FeedIndex::from_rows(2, vec![(video(5, 1, 50), 1)], 40);
        index.insert(video(5, 1, 50), 3);
        index.insert(video(4, 1, 40), 2);
        assert_eq!(index.len(), 1);
        assert_eq!(index.page(i64::MAX, 1).unwrap()[0].1, 3);
        assert!(FeedIndex::disabled().page(i64::MAX, 1).is_none());
    }
}
