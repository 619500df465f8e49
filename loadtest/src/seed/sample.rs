//! The manifest of a finished seed: which users log in, which videos and users the scripts
//! touch and `verify` checks, the celebrity and the chat peers.

use std::collections::{BTreeSet, HashMap};

use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};

use super::{
    PASSWORD,
    plan::Plan,
    shape::{CELEBRITY, Shape},
    write::{Written, username},
};
use crate::manifest::{Celebrity, ChatPair, Manifest, Users, Videos};

/// A publish list shows an author's newest 1,000 videos: a sampled author has no more, so
/// every one of their videos can be checked through the API.
const MAX_SAMPLED_WORKS: usize = 1_000;

impl Written {
    /// The conversations as user-id pairs.
    pub fn pairs(&self, shape: &Shape) -> Vec<(i64, i64)> {
        let id = |i: u32| self.user_ids[i as usize];
        shape
            .conversations
            .iter()
            .map(|&(a, b)| (id(a), id(b)))
            .collect()
    }

    pub fn manifest(
        &self,
        plan: &Plan,
        shape: &Shape,
        newest: &[i64],
        sample_mp4: String,
        now_ms: i64,
    ) -> Manifest {
        let (sample_ids, sample_authors) = self.sample_videos(plan, shape);
        let login: Vec<usize> = (1..=plan.logins).collect();
        let login_ids: Vec<i64> = login.iter().map(|&i| self.user_ids[i]).collect();
        let mut users: BTreeSet<i64> = sample_authors.iter().copied().collect();
        users.extend(&login_ids);
        users.insert(self.user_ids[CELEBRITY as usize]);
        let chat = shape
            .conversations
            .iter()
            .zip(newest)
            .map(|(&(a, b), &newest_ms)| ChatPair {
                user: username(a as usize),
                user_id: self.user_ids[a as usize],
                peer_id: self.user_ids[b as usize],
                newest_ms,
            })
            .collect();
        Manifest {
            password: PASSWORD.into(),
            seeded_at_ms: now_ms,
            users: Users {
                count: plan.users,
                login_names: login.iter().map(|&i| username(i)).collect(),
                login_ids,
                sample_ids: users.into_iter().collect(),
            },
            celebrity: Celebrity {
                id: self.user_ids[CELEBRITY as usize],
                name: username(CELEBRITY as usize),
                followers: plan.celebrity_followers,
                likes: plan.celebrity_likes,
            },
            videos: Videos {
                count: shape.videos.len(),
                oldest_ms: shape
                    .videos
                    .iter()
                    .map(|v| v.created_ms)
                    .min()
                    .unwrap_or(now_ms),
                newest_ms: shape
                    .videos
                    .iter()
                    .map(|v| v.created_ms)
                    .max()
                    .unwrap_or(now_ms),
                sample_ids,
                sample_authors,
            },
            chat,
            sample_mp4,
        }
    }

    /// All videos of randomly chosen authors (of at most [`MAX_SAMPLED_WORKS`] each) until
    /// about `plan.sample_videos` are chosen: (video ids, author ids).
    fn sample_videos(&self, plan: &Plan, shape: &Shape) -> (Vec<i64>, Vec<i64>) {
        let mut works: HashMap<u32, Vec<usize>> = HashMap::new();
        for (i, video) in shape.videos.iter().enumerate() {
            works.entry(video.author).or_default().push(i);
        }
        let mut authors: Vec<u32> = works.keys().copied().collect();
        authors.sort_unstable();
        authors.shuffle(&mut StdRng::seed_from_u64(plan.rng_seed ^ 0x5A4D));
        let (mut videos, mut chosen) = (Vec::new(), Vec::new());
        for author in authors {
            if videos.len() >= plan.sample_videos {
                break;
            }
            let theirs = &works[&author];
            if theirs.len() <= MAX_SAMPLED_WORKS {
                videos.extend(theirs.iter().map(|&i| self.video_ids[i]));
                chosen.push(self.user_ids[author as usize]);
            }
        }
        (videos, chosen)
    }
}
