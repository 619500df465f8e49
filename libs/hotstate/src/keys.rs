//! The one place hot-state key names are formed: `<prefix><domain>:{<tag><id>}:<part>`.
//!
//! The `{…}` is a Redis Cluster hash tag: only it is hashed, so every part of one entity's
//! group (a user's liked set and its sequence hash, a video's counter and pair record…)
//! lives in one slot, and a script may touch all of them. Nothing else shares the tag, so
//! entities spread over the whole cluster. The prefix must not contain braces (checked at
//! start-up by `settings`): the first `{…}` of a key is its tag.

/// One entity's key group, e.g. `Group::new("gt:", "fav", "u", 42)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Group {
    base: String,
}

impl Group {
    pub fn new(prefix: &str, domain: &str, tag: &str, id: i64) -> Self {
        debug_assert!(
            !prefix.contains(['{', '}']),
            "a brace in the prefix breaks hash tags"
        );
        Self {
            base: format!("{prefix}{domain}:{{{tag}{id}}}"),
        }
    }

    /// The key of one part of the group, e.g. `gt:fav:{u42}:set`.
    pub fn key(&self, part: &str) -> String {
        format!("{}:{part}", self.base)
    }
}

/// The hash tag Redis Cluster hashes for `key` (the whole key when it has none).
pub fn hash_tag(key: &str) -> &str {
    if let Some(open) = key.find('{')
        && let Some(len) = key[open + 1..].find('}')
        && len > 0
    {
        return &key[open + 1..open + 1 + len];
    }
    key
}

/// The cluster slot of `key`: CRC16 (XMODEM) of its hash tag, modulo 16384.
pub fn slot(key: &str) -> u16 {
    let mut crc: u16 = 0;
    for byte in hash_tag(key).bytes() {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc % 16384
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_key_reads_prefix_domain_tag_part() {
        let user = Group::new("gt:", "fav", "u", 42);
        assert_eq!(user.key("set"), "gt:fav:{u42}:set");
        assert_eq!(user.key("seq"), "gt:fav:{u42}:seq");
    }

    #[test]
    fn every_key_of_one_group_hashes_to_one_slot() {
        let group = Group::new("test_1234:", "fav", "v", 987_654_321);
        let parts = ["n", "p", "set", "seq", "set:stg:abc"];
        let slots: Vec<u16> = parts.iter().map(|p| slot(&group.key(p))).collect();
        assert!(slots.iter().all(|s| *s == slots[0]), "{slots:?}");
        assert_eq!(hash_tag(&group.key("n")), "v987654321");
    }

    #[test]
    fn groups_of_different_entities_spread_over_slots() {
        let slots: std::collections::HashSet<u16> = (0..100)
            .map(|id| slot(&Group::new("gt:", "fav", "u", id).key("set")))
            .collect();
        assert!(slots.len() > 90, "only {} distinct slots", slots.len());
    }

    #[test]
    fn the_slot_matches_redis_for_known_keys() {
        // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
        assert_eq!(slot("123456789"), 12739);
        assert_eq!(slot("foo"), 12182);
        assert_eq!(slot("{user1000}.following"), slot("{user1000}.followers"));
        assert_eq!(
            slot("foo{}{bar}"),
            slot("foo{}{bar}"),
            "an empty tag hashes the key"
        );
    }
}
