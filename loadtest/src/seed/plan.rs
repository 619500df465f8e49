//! What to seed: the sizes of the data set and where the manifest goes, from the command line.

use std::path::PathBuf;

use crate::args::Args;

/// The password of every seeded user (the k6 scripts log in with it).
pub const PASSWORD: &str = "loadtest-password";

#[derive(Debug, Clone)]
pub struct Plan {
    pub users: usize,
    pub videos: usize,
    pub likes: usize,
    pub follows: usize,
    pub comments: usize,
    /// Conversations (each one a mutual follow, so it shows in friend lists).
    pub conversations: usize,
    pub messages: usize,
    pub celebrity_followers: usize,
    pub celebrity_likes: usize,
    /// Seeded users the k6 scripts log in as (Argon2 makes each login cost ~50 ms of CPU).
    pub logins: usize,
    /// About this many videos (all videos of randomly chosen authors) go into the manifest:
    /// the ids the scripts like and comment on and `verify` checks afterwards.
    pub sample_videos: usize,
    /// Distinct small real MP4s every video refers to.
    pub media_files: usize,
    /// Videos are spread over this many days before now.
    pub days: u32,
    pub rng_seed: u64,
    pub out: PathBuf,
}

impl Default for Plan {
    fn default() -> Self {
        Self {
            users: 10_000,
            videos: 100_000,
            likes: 200_000,
            follows: 50_000,
            comments: 100_000,
            conversations: 2_000,
            messages: 20_000,
            celebrity_followers: 100_000,
            celebrity_likes: 100_000,
            logins: 100,
            sample_videos: 20_000,
            media_files: 4,
            days: 30,
            rng_seed: 1,
            out: PathBuf::from("var/loadtest/seed.json"),
        }
    }
}

const FLAGS: &[&str] = &[
    "users",
    "videos",
    "likes",
    "follows",
    "comments",
    "conversations",
    "messages",
    "celebrity-followers",
    "celebrity-likes",
    "logins",
    "sample-videos",
    "media-files",
    "days",
    "rng-seed",
    "out",
];

impl Plan {
    pub fn from_args(args: impl IntoIterator<Item = String>) -> anyhow::Result<Self> {
        let args = Args::parse(args, FLAGS)?;
        let d = Self::default();
        let plan = Self {
            users: args.get("users", d.users)?,
            videos: args.get("videos", d.videos)?,
            likes: args.get("likes", d.likes)?,
            follows: args.get("follows", d.follows)?,
            comments: args.get("comments", d.comments)?,
            conversations: args.get("conversations", d.conversations)?,
            messages: args.get("messages", d.messages)?,
            celebrity_followers: args.get("celebrity-followers", d.celebrity_followers)?,
            celebrity_likes: args.get("celebrity-likes", d.celebrity_likes)?,
            logins: args.get("logins", d.logins)?,
            sample_videos: args.get("sample-videos", d.sample_videos)?,
            media_files: args.get("media-files", d.media_files)?,
            days: args.get("days", d.days)?,
            rng_seed: args.get("rng-seed", d.rng_seed)?,
            out: args.get("out", d.out)?,
        };
        plan.normalised()
    }

    /// Makes the sizes consistent: the celebrity's followers are distinct users, so there are
    /// at least that many users besides the celebrity; it cannot like more videos than exist.
    pub fn normalised(mut self) -> anyhow::Result<Self> {
        anyhow::ensure!(self.users >= 2, "--users must be at least 2");
        anyhow::ensure!(self.videos >= 1, "--videos must be at least 1");
        anyhow::ensure!(self.media_files >= 1, "--media-files must be at least 1");
        anyhow::ensure!(self.days >= 1, "--days must be at least 1");
        if self.celebrity_followers + 1 > self.users {
            eprintln!(
                "seed: --celebrity-followers {} needs that many other users: seeding {} users",
                self.celebrity_followers,
                self.celebrity_followers + 1
            );
            self.users = self.celebrity_followers + 1;
        }
        self.celebrity_likes = self.celebrity_likes.min(self.videos);
        self.logins = self.logins.clamp(1, self.users - 1);
        Ok(self)
    }
}
