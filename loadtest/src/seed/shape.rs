//! The shape of the seeded data, drawn from a seeded RNG before anything is written: who
//! authored which video when, who likes and follows whom (Zipf-skewed), comments and
//! conversations. Users and videos are referred to by index here; ids come later.

use std::collections::HashSet;

use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};

use super::{plan::Plan, zipf::Zipf};

/// Index of the celebrity among the users.
pub const CELEBRITY: u32 = 0;

pub struct Video {
    pub author: u32,
    pub created_ms: i64,
    /// Which of the seeded media files it plays.
    pub media: u32,
}

pub struct Comment {
    pub video: u32,
    pub user: u32,
    pub created_ms: i64,
}

/// (from, to, at_ms): a like (user, video) or a follow (follower, followee).
pub type Edge = (u32, u32, i64);

pub struct Shape {
    pub videos: Vec<Video>,
    /// (user, video, liked_ms), each pair once.
    pub likes: Vec<Edge>,
    /// (follower, followee, at_ms), each pair once.
    pub follows: Vec<Edge>,
    pub comments: Vec<Comment>,
    /// (a, b): a is one of the login users, b anyone else; they follow each other.
    pub conversations: Vec<(u32, u32)>,
}

/// Draws the whole data set. `now_ms` is the newest time anything may carry.
pub fn draw(plan: &Plan, now_ms: i64) -> Shape {
    let mut rng = StdRng::seed_from_u64(plan.rng_seed);
    let start_ms = now_ms - i64::from(plan.days) * 86_400_000;
    // Popularity is a random order of users, so the login users are a mix of big and small.
    let mut by_popularity: Vec<u32> = (0..plan.users as u32).collect();
    by_popularity.shuffle(&mut rng);
    let user_zipf = Zipf::new(plan.users, 1.0);
    let videos: Vec<Video> = (0..plan.videos)
        .map(|i| Video {
            author: by_popularity[user_zipf.sample(&mut rng)],
            created_ms: rng.gen_range(start_ms..now_ms),
            media: (i % plan.media_files) as u32,
        })
        .collect();
    let likes = likes(plan, &videos, &mut rng, now_ms);
    let (follows, conversations) =
        follows(plan, &by_popularity, &user_zipf, &mut rng, start_ms, now_ms);
    let comments = comments(plan, &videos, &mut rng, now_ms);
    Shape {
        videos,
        likes,
        follows,
        comments,
        conversations,
    }
}

/// A time after `after_ms` and before `now_ms`.
fn later(rng: &mut StdRng, after_ms: i64, now_ms: i64) -> i64 {
    rng.gen_range(after_ms..now_ms.max(after_ms + 1))
}

/// The celebrity's likes (a random set of videos), then random users liking Zipf-popular
/// videos. A popular video can run out of new likers: after a few repeats the pick falls
/// back to a uniform one, so the count asked for is met.
fn likes(plan: &Plan, videos: &[Video], rng: &mut StdRng, now_ms: i64) -> Vec<Edge> {
    let mut seen: HashSet<(u32, u32)> = HashSet::with_capacity(plan.likes + plan.celebrity_likes);
    let mut likes = Vec::with_capacity(plan.likes + plan.celebrity_likes);
    for video in rand::seq::index::sample(rng, videos.len(), plan.celebrity_likes) {
        seen.insert((CELEBRITY, video as u32));
        let at = later(rng, videos[video].created_ms, now_ms);
        likes.push((CELEBRITY, video as u32, at));
    }
    let zipf = Zipf::new(videos.len(), 1.0);
    let capacity = plan.users * videos.len() - seen.len();
    for _ in 0..plan.likes.min(capacity) {
        let user = rng.gen_range(0..plan.users as u32);
        let mut video = zipf.sample(rng) as u32;
        let mut tries = 0;
        let mut user = user;
        while seen.contains(&(user, video)) {
            tries += 1;
            video = if tries < 4 {
                zipf.sample(rng)
            } else {
                rng.gen_range(0..videos.len())
            } as u32;
            // This user may have liked (nearly) everything already: ask someone else.
            if tries % 64 == 0 {
                user = rng.gen_range(0..plan.users as u32);
            }
        }
        seen.insert((user, video));
        likes.push((
            user,
            video,
            later(rng, videos[video as usize].created_ms, now_ms),
        ));
    }
    likes
}

/// The celebrity's followers (users 1..=n), random users following Zipf-popular ones, and
/// the conversations (mutual follows between a login user and someone else).
fn follows(
    plan: &Plan,
    by_popularity: &[u32],
    zipf: &Zipf,
    rng: &mut StdRng,
    start_ms: i64,
    now_ms: i64,
) -> (Vec<Edge>, Vec<(u32, u32)>) {
    let users = plan.users as u32;
    let mut follows = FollowSet {
        seen: HashSet::new(),
        list: Vec::new(),
        window: (start_ms, now_ms),
    };
    for follower in 1..=plan.celebrity_followers as u32 {
        follows.add(follower, CELEBRITY, rng);
    }
    let pairs = plan.users as u64 * (plan.users as u64 - 1);
    let wanted = (plan.follows as u64).min(pairs / 2) as usize;
    let mut attempts = 0;
    while follows.list.len() < plan.celebrity_followers + wanted && attempts < wanted * 8 {
        attempts += 1;
        let follower = rng.gen_range(0..users);
        follows.add(follower, by_popularity[zipf.sample(rng)], rng);
    }
    let conversations: Vec<(u32, u32)> = (0..plan.conversations)
        .map(|i| {
            let a = 1 + (i % plan.logins) as u32;
            let b = (a + rng.gen_range(1..users)) % users;
            (a, b)
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for &(a, b) in &conversations {
        follows.add(a, b, rng);
        follows.add(b, a, rng);
    }
    (follows.list, conversations)
}

/// Follows drawn so far, each pair once, nobody following themselves.
struct FollowSet {
    seen: HashSet<(u32, u32)>,
    list: Vec<Edge>,
    window: (i64, i64),
}

impl FollowSet {
    fn add(&mut self, a: u32, b: u32, rng: &mut StdRng) {
        if a != b && self.seen.insert((a, b)) {
            self.list
                .push((a, b, rng.gen_range(self.window.0..self.window.1)));
        }
    }
}

/// Comments on Zipf-popular videos by random users.
fn comments(plan: &Plan, videos: &[Video], rng: &mut StdRng, now_ms: i64) -> Vec<Comment> {
    let zipf = Zipf::new(videos.len(), 1.0);
    (0..plan.comments)
        .map(|_| {
            let video = zipf.sample(rng) as u32;
            Comment {
                video,
                user: rng.gen_range(0..plan.users as u32),
                created_ms: later(rng, videos[video as usize].created_ms, now_ms),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_has_the_sizes_asked_for_and_no_pair_twice() {
        let plan = Plan {
            users: 200,
            videos: 1_000,
            likes: 5_000,
            follows: 2_000,
            comments: 300,
            conversations: 50,
            celebrity_followers: 150,
            celebrity_likes: 400,
            logins: 10,
            ..Plan::default()
        };
        let now = 1_800_000_000_000;
        let shape = draw(&plan, now);
        assert_eq!(shape.videos.len(), 1_000);
        assert_eq!(shape.likes.len(), 5_400);
        assert_eq!(shape.comments.len(), 300);
        let likes: HashSet<(u32, u32)> = shape.likes.iter().map(|l| (l.0, l.1)).collect();
        assert_eq!(likes.len(), shape.likes.len(), "each like pair once");
        let follows: HashSet<(u32, u32)> = shape.follows.iter().map(|f| (f.0, f.1)).collect();
        assert_eq!(follows.len(), shape.follows.len(), "each follow pair once");
        assert!(
            shape.follows.iter().all(|f| f.0 != f.1),
            "nobody follows themselves"
        );
        let celebrity = shape.follows.iter().filter(|f| f.1 == CELEBRITY).count();
        assert!(celebrity >= 150);
        for (a, b) in &shape.conversations {
            assert!(
                follows.contains(&(*a, *b)) && follows.contains(&(*b, *a)),
                "friends"
            );
            assert!((1..=10).contains(a));
        }
        let start = now - 30 * 86_400_000;
        assert!(
            shape
                .videos
                .iter()
                .all(|v| (start..now).contains(&v.created_ms))
        );
        assert!(
            shape
                .likes
                .iter()
                .all(|l| l.2 >= shape.videos[l.1 as usize].created_ms)
        );
    }
}
