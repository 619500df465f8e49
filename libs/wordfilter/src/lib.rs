//! The sensitive-word filter shared by every domain that stores user text (video titles,
//! comments, messages): one Aho-Corasick automaton over a word list, matching ASCII
//! case-insensitively, that masks every matched character with `*`.

use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Used when no word list file is configured; deliberately short and mild.
const BUILT_IN: &str = include_str!("default_words.txt");

#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    #[error("reading word list {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("building the word filter: {0}")]
    Build(#[from] aho_corasick::BuildError),
}

/// The default filter masks nothing.
#[derive(Debug, Clone, Default)]
pub struct WordFilter {
    automaton: Option<AhoCorasick>,
}

impl WordFilter {
    /// The filter over `path` (one word per line, `#` comments), or the built-in list.
    pub fn load(path: Option<&Path>) -> Result<Self, FilterError> {
        let text = match path {
            Some(path) => std::fs::read_to_string(path).map_err(|source| FilterError::Read {
                path: path.display().to_string(),
                source,
            })?,
            None => BUILT_IN.to_owned(),
        };
        Self::from_list(&text)
    }

    /// The filter over `list`, in the word file's format (the config centre's word list).
    pub fn from_list(list: &str) -> Result<Self, FilterError> {
        Self::from_words(words(list))
    }

    pub fn from_words<I, S>(words: I) -> Result<Self, FilterError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let words: Vec<String> = words
            .into_iter()
            .map(|word| word.as_ref().trim().to_owned())
            .filter(|word| !word.is_empty())
            .collect();
        if words.is_empty() {
            return Ok(Self { automaton: None });
        }
        // Leftmost-longest: "badword" is masked whole even when "bad" is listed too.
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&words)?;
        Ok(Self {
            automaton: Some(automaton),
        })
    }

    /// `text` with every character of every listed word replaced by `*`.
    pub fn mask(&self, text: &str) -> String {
        let Some(automaton) = &self.automaton else {
            return text.to_owned();
        };
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for found in automaton.find_iter(text) {
            out.push_str(&text[last..found.start()]);
            let stars = text[found.start()..found.end()].chars().count();
            out.extend(std::iter::repeat_n('*', stars));
            last = found.end();
        }
        out.push_str(&text[last..]);
        out
    }

    pub fn is_clean(&self, text: &str) -> bool {
        self.automaton
            .as_ref()
            .is_none_or(|automaton| !automaton.is_match(text))
    }
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_masked_character_by_character() {
        let filter = WordFilter::from_words(["bad", "badword", "坏人"]).unwrap();
        assert_eq!(filter.mask("a BadWord here"), "a ******* here");
        assert_eq!(filter.mask("bad bad"), "*** ***");
        assert_eq!(filter.mask("他是坏人吗"), "他是**吗");
        assert_eq!(filter.mask("all good"), "all good");
        assert!(!filter.is_clean("so BAD"));
        assert!(filter.is_clean("fine"));
    }

    #[test]
    fn a_word_list_file_is_read_with_comments_and_blank_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("words.txt");
        std::fs::write(&path, "# comment\n\nfoo\n  bar  \n").unwrap();
        let filter = WordFilter::load(Some(&path)).unwrap();
        assert_eq!(filter.mask("foo and bar"), "*** and ***");
        assert_eq!(
            filter.mask("# comment"),
            "# comment",
            "a comment is not a word"
        );
        assert!(WordFilter::load(Some(Path::new("/no/such/file"))).is_err());
    }

    #[test]
    fn the_built_in_list_is_used_without_a_file() {
        let filter = WordFilter::load(None).unwrap();
        assert!(!filter.is_clean("this is spam"));
        assert!(
            WordFilter::from_words(Vec::<String>::new())
                .unwrap()
                .is_clean("spam")
        );
    }
}
