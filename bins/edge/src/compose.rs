//! View composition: a page of N objects costs one batch request per owning domain, never
//! one request per object. Domains that land later add one batch call each here.

use std::collections::HashMap;

use contract::{
    comment::{CommentCounts, CommentInfo},
    favorite::{PageStats, UserStat, UserStats},
    relation::{RelationStat, RelationStats},
    user::Profile,
    video::{AuthorCount, VideoInfo, WorkCounts},
};
use mesh::CallError;

use crate::{
    AppState,
    error::ApiError,
    views::{Comment, User, Video, month_day},
};

/// Users by id as `viewer` sees them: profiles (cached), work counts and like counts,
/// fetched concurrently (one request per domain, whatever the number of users).
pub async fn users(
    state: &AppState,
    viewer: Option<i64>,
    ids: Vec<i64>,
) -> Result<HashMap<i64, User>, ApiError> {
    users_with_works(state, viewer, ids, &[]).await
}

/// [`users`], with the work counts a page reply already carried: when they cover every
/// user, the video domain is not asked again.
async fn users_with_works(
    state: &AppState,
    viewer: Option<i64>,
    ids: Vec<i64>,
    known_works: &[AuthorCount],
) -> Result<HashMap<i64, User>, ApiError> {
    let ids = sorted_unique(ids);
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let like_request = UserStats {
        user_ids: ids.clone(),
    };
    let (parts, likes) = tokio::try_join!(user_parts(state, viewer, ids, known_works), async {
        Ok(state.caller.call(&like_request).await?.stats)
    },)?;
    Ok(assemble_users(state, parts, likes))
}

/// What a User view is made of besides its like counts (which a page asks for together
/// with its videos' like counts).
struct UserParts {
    profiles: HashMap<i64, Profile>,
    works: HashMap<i64, i64>,
    relations: Vec<RelationStat>,
}

/// Profiles (cached), work counts and follow counts of `ids` (sorted, unique, not empty),
/// fetched concurrently.
async fn user_parts(
    state: &AppState,
    viewer: Option<i64>,
    ids: Vec<i64>,
    known_works: &[AuthorCount],
) -> Result<UserParts, ApiError> {
    let relation_request = RelationStats {
        user_ids: ids.clone(),
        viewer,
    };
    let (profiles, works, relations) = tokio::try_join!(
        state.caller.profiles(&ids),
        work_counts(state, &ids, known_works),
        state.caller.call(&relation_request),
    )?;
    Ok(UserParts {
        profiles,
        works,
        relations: relations.stats,
    })
}

fn sorted_unique(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The User views of `parts` with their like counts.
fn assemble_users(state: &AppState, parts: UserParts, likes: Vec<UserStat>) -> HashMap<i64, User> {
    let likes: HashMap<i64, _> = likes.into_iter().map(|s| (s.user_id, s)).collect();
    let relations: HashMap<i64, _> = parts
        .relations
        .into_iter()
        .map(|s| (s.user_id, s))
        .collect();
    parts
        .profiles
        .into_values()
        .map(|profile| {
            let mut user = User::from_profile(profile, &state.public_base_url);
            user.work_count = parts.works.get(&user.id).copied().unwrap_or_default();
            if let Some(stat) = likes.get(&user.id) {
                user.favorite_count = stat.favorite_count;
                user.total_favorited = stat.total_favorited;
            }
            if let Some(stat) = relations.get(&user.id) {
                user.follow_count = stat.follow_count;
                user.follower_count = stat.follower_count;
                user.is_follow = stat.viewer_follows;
            }
            (user.id, user)
        })
        .collect()
}

/// Work counts of `ids`: from `known` when it covers them all, else one request.
async fn work_counts(
    state: &AppState,
    ids: &[i64],
    known: &[AuthorCount],
) -> Result<HashMap<i64, i64>, CallError> {
    let known: HashMap<i64, i64> = known.iter().map(|c| (c.author_id, c.count)).collect();
    if ids.iter().all(|id| known.contains_key(id)) {
        return Ok(known);
    }
    let request = WorkCounts {
        author_ids: ids.to_vec(),
    };
    let reply = state.caller.call(&request).await?;
    Ok(reply
        .counts
        .into_iter()
        .map(|count| (count.author_id, count.count))
        .collect())
}

/// Videos with their authors, in the order given. A video whose author is gone is dropped.
/// `known_works` are the authors' work counts when the reply that listed them carried them.
pub async fn videos(
    state: &AppState,
    viewer: Option<i64>,
    infos: Vec<VideoInfo>,
    known_works: &[AuthorCount],
) -> Result<Vec<Video>, ApiError> {
    if infos.is_empty() {
        return Ok(Vec::new());
    }
    let author_ids: Vec<i64> = sorted_unique(infos.iter().map(|info| info.author_id).collect());
    let video_ids: Vec<i64> = infos.iter().map(|info| info.id).collect();
    // One favorite request for the page: the videos' like counts and their authors'.
    let stats_request = PageStats {
        video_ids: video_ids.clone(),
        user_ids: author_ids.clone(),
        viewer,
    };
    let comments_request = CommentCounts { video_ids };
    let (parts, stats, comment_counts) = tokio::try_join!(
        user_parts(state, viewer, author_ids, known_works),
        async { Ok(state.caller.call(&stats_request).await?) },
        async { Ok(state.caller.call(&comments_request).await?) },
    )?;
    let authors = assemble_users(state, parts, stats.users);
    let stats: HashMap<i64, _> = stats.videos.into_iter().map(|s| (s.video_id, s)).collect();
    let comment_counts: HashMap<i64, i64> = comment_counts
        .counts
        .into_iter()
        .map(|c| (c.video_id, c.count))
        .collect();
    Ok(infos
        .into_iter()
        .filter_map(|info| {
            let author = authors.get(&info.author_id)?.clone();
            let stat = stats.get(&info.id).copied();
            let mut video = Video::new(info, author, &state.media_base_url);
            if let Some(stat) = stat {
                video.favorite_count = stat.favorite_count;
                video.is_favorite = stat.viewer_liked;
            }
            video.comment_count = comment_counts.get(&video.id).copied().unwrap_or_default();
            Some(video)
        })
        .collect())
}

/// Comments with their authors, in the order given; one from a vanished user is dropped.
pub async fn comments(
    state: &AppState,
    viewer: Option<i64>,
    infos: Vec<CommentInfo>,
) -> Result<Vec<Comment>, ApiError> {
    let user_ids = infos.iter().map(|info| info.user_id).collect();
    let authors = users(state, viewer, user_ids).await?;
    Ok(infos
        .into_iter()
        .filter_map(|info| {
            Some(Comment {
                id: info.id,
                user: authors.get(&info.user_id)?.clone(),
                content: info.content,
                create_date: month_day(info.created_ms),
            })
        })
        .collect())
}

/// Users in the order of `ids` (those that no longer exist are left out).
pub async fn ordered_users(
    state: &AppState,
    viewer: Option<i64>,
    ids: Vec<i64>,
) -> Result<Vec<User>, ApiError> {
    let mut found = users(state, viewer, ids.clone()).await?;
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}
