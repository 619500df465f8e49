//! The seed manifest: what `seed` wrote and the k6 scripts and `verify` read — login names
//! and the shared password, sampled ids, the celebrity, the videos' time range, chat peers.
//! Ids are written as JSON strings. Snowflake ids fit in 53 bits now (`libs/ids`), so numbers
//! would read exactly too; the strings keep the format of manifests already written.

use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// The password of every seeded user.
    pub password: String,
    pub seeded_at_ms: i64,
    pub users: Users,
    pub celebrity: Celebrity,
    pub videos: Videos,
    pub chat: Vec<ChatPair>,
    /// A small real MP4 (absolute path) for the publish journey.
    pub sample_mp4: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Users {
    pub count: usize,
    /// Usernames the scripts log in as, with their ids in the same order.
    pub login_names: Vec<String>,
    #[serde(with = "text_ids")]
    pub login_ids: Vec<i64>,
    /// Users whose counts `verify` checks and the scripts visit and follow: the sampled
    /// authors, the login users and the celebrity.
    #[serde(with = "text_ids")]
    pub sample_ids: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Celebrity {
    #[serde(with = "text_id")]
    pub id: i64,
    pub name: String,
    pub followers: usize,
    pub likes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Videos {
    pub count: usize,
    pub oldest_ms: i64,
    pub newest_ms: i64,
    /// Every video of the authors in `sample_authors`: the ids the scripts like and comment on.
    #[serde(with = "text_ids")]
    pub sample_ids: Vec<i64>,
    #[serde(with = "text_ids")]
    pub sample_authors: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChatPair {
    /// A login user (name and id) and the peer they have a conversation with.
    pub user: String,
    #[serde(with = "text_id")]
    pub user_id: i64,
    #[serde(with = "text_id")]
    pub peer_id: i64,
    /// Time of the newest message of the conversation (the poll's starting point).
    pub newest_ms: i64,
}

impl Manifest {
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| anyhow::anyhow!("reading {}: {err}", path.display()))?;
        Ok(serde_json::from_str(&text)?)
    }

    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_vec_pretty(self)?)?;
        Ok(())
    }
}

/// An id as a JSON string.
mod text_id {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(id: &i64, out: S) -> Result<S::Ok, S::Error> {
        out.collect_str(id)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<i64, D::Error> {
        String::deserialize(input)?
            .parse()
            .map_err(D::Error::custom)
    }
}

/// A list of ids as JSON strings.
mod text_ids {
    use serde::{Deserialize, Deserializer, Serializer, de::Error, ser::SerializeSeq};

    pub fn serialize<S: Serializer>(ids: &[i64], out: S) -> Result<S::Ok, S::Error> {
        let mut seq = out.serialize_seq(Some(ids.len()))?;
        for id in ids {
            seq.serialize_element(&id.to_string())?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Vec<i64>, D::Error> {
        Vec::<String>::deserialize(input)?
            .iter()
            .map(|id| id.parse().map_err(D::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_above_2_pow_53_travel_as_exact_strings() {
        let pair = ChatPair {
            user: "lt1".into(),
            user_id: 386_316_152_451_112_974,
            peer_id: 9_007_199_254_740_993,
            newest_ms: 5,
        };
        let json = serde_json::to_value(&pair).unwrap();
        assert_eq!(json["user_id"], "386316152451112974");
        let back: ChatPair = serde_json::from_value(json).unwrap();
        assert_eq!(back.peer_id, 9_007_199_254_740_993);
    }
}
