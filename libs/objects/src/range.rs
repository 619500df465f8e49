//! HTTP byte ranges (`Range: bytes=…`), resolved against an object's size.

use crate::StoreError;

/// One byte range as a client asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=a-`
    From(u64),
    /// `bytes=a-b` (inclusive)
    FromTo(u64, u64),
    /// `bytes=-n`: the last n bytes
    Last(u64),
}

impl ByteRange {
    /// Parses a `Range` header value. Only single ranges are served; anything else
    /// (several ranges, other units, garbage) is `None`, and the whole object is sent — as
    /// RFC 9110 allows a server to do.
    pub fn parse(header: &str) -> Option<ByteRange> {
        let spec = header.trim().strip_prefix("bytes=")?.trim();
        if spec.contains(',') {
            return None;
        }
        let (start, end) = spec.split_once('-')?;
        match (start.trim(), end.trim()) {
            ("", "") => None,
            ("", last) => last.parse().ok().map(ByteRange::Last),
            (start, "") => start.parse().ok().map(ByteRange::From),
            (start, end) => {
                let (start, end) = (start.parse().ok()?, end.parse().ok()?);
                (start <= end).then_some(ByteRange::FromTo(start, end))
            }
        }
    }

    /// First and last byte (inclusive) within an object of `size` bytes.
    pub fn resolve(self, size: u64) -> Result<(u64, u64), StoreError> {
        let unsatisfiable = Err(StoreError::RangeNotSatisfiable { size });
        if size == 0 {
            return unsatisfiable;
        }
        match self {
            ByteRange::From(start) if start < size => Ok((start, size - 1)),
            ByteRange::FromTo(start, end) if start < size => Ok((start, end.min(size - 1))),
            ByteRange::Last(n) if n > 0 => Ok((size.saturating_sub(n), size - 1)),
            _ => unsatisfiable,
        }
    }
}

/// The whole object, or the part `range` names.
pub(crate) fn span(range: Option<ByteRange>, size: u64) -> Result<(u64, u64), StoreError> {
    match range {
        Some(range) => range.resolve(size),
        None => Ok((0, size.saturating_sub(1))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_ranges_parse_and_everything_else_is_ignored() {
        assert_eq!(
            ByteRange::parse("bytes=0-99"),
            Some(ByteRange::FromTo(0, 99))
        );
        assert_eq!(ByteRange::parse("bytes=100-"), Some(ByteRange::From(100)));
        assert_eq!(ByteRange::parse("bytes=-5"), Some(ByteRange::Last(5)));
        assert_eq!(ByteRange::parse("bytes=5-1"), None);
        assert_eq!(ByteRange::parse("bytes=0-1,4-5"), None);
        assert_eq!(ByteRange::parse("items=0-1"), None);
        assert_eq!(ByteRange::parse("bytes=x-"), None);
    }

    #[test]
    fn ranges_resolve_against_the_size() {
        assert_eq!(ByteRange::FromTo(0, 99).resolve(50).unwrap(), (0, 49));
        assert_eq!(ByteRange::From(10).resolve(50).unwrap(), (10, 49));
        assert_eq!(ByteRange::Last(10).resolve(50).unwrap(), (40, 49));
        assert_eq!(ByteRange::Last(100).resolve(50).unwrap(), (0, 49));
        assert!(ByteRange::From(50).resolve(50).is_err());
        assert!(ByteRange::Last(0).resolve(50).is_err());
        assert!(ByteRange::From(0).resolve(0).is_err());
    }

    #[test]
    fn a_range_that_starts_past_the_end_is_not_satisfiable() {
        assert!(ByteRange::FromTo(50, 60).resolve(50).is_err());
        assert!(ByteRange::FromTo(70, 80).resolve(50).is_err());
        assert_eq!(ByteRange::FromTo(49, 60).resolve(50).unwrap(), (49, 49));
    }

    #[test]
    fn without_a_range_the_whole_object_is_served() {
        assert_eq!(span(None, 50).unwrap(), (0, 49));
        assert_eq!(span(Some(ByteRange::Last(5)), 50).unwrap(), (45, 49));
        assert!(span(Some(ByteRange::From(50)), 50).is_err());
    }
}
