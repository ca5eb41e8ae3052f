//! A rating: 1–5 stars and an optional comment.

use std::fmt;
use std::ops::RangeInclusive;

/// The stars a rating may give.
pub const STARS: RangeInclusive<u8> = 1..=5;

/// The longest comment, in characters, after cleaning.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// What is wrong with a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingError {
    /// Not 1–5 stars.
    Stars,
    /// The comment is longer than [`MAX_COMMENT_CHARS`].
    CommentTooLong,
}

impl RatingError {
    /// The request field at fault (`stars` or `comment`).
    pub const fn field(self) -> &'static str {
        match self {
            RatingError::Stars => "stars",
            RatingError::CommentTooLong => "comment",
        }
    }
}

impl fmt::Display for RatingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RatingError::Stars => write!(
                f,
                "a rating gives {} to {} stars",
                STARS.start(),
                STARS.end()
            ),
            RatingError::CommentTooLong => {
                write!(
                    f,
                    "the comment may have at most {MAX_COMMENT_CHARS} characters"
                )
            }
        }
    }
}

impl std::error::Error for RatingError {}

/// Checks a rating and returns its cleaned comment (`None` when blank).
///
/// The comment is cleaned rather than refused for what a keyboard or a paste can put in it:
/// Windows and old Mac line breaks become `\n`, other control characters (a tab, a stray NUL)
/// become spaces, and the ends are trimmed. What is left may have at most
/// [`MAX_COMMENT_CHARS`] characters. Cleaning a cleaned comment changes nothing, so the phone can
/// queue the cleaned text and the server, cleaning again, stores exactly that.
pub fn check_rating(stars: u8, comment: Option<&str>) -> Result<Option<String>, RatingError> {
    if !STARS.contains(&stars) {
        return Err(RatingError::Stars);
    }
    let Some(comment) = comment.map(clean_comment).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(RatingError::CommentTooLong);
    }
    Ok(Some(comment))
}

fn clean_comment(c: &str) -> String {
    let cleaned: String = c
        .replace("\r\n", "\n")
        .chars()
        .map(|ch| match ch {
            '\n' | '\r' => '\n',
            ch if ch.is_control() => ' ',
            ch => ch,
        })
        .collect();
    cleaned.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stars_and_comments() {
        assert_eq!(check_rating(0, None), Err(RatingError::Stars));
        assert_eq!(check_rating(6, Some("tốt")), Err(RatingError::Stars));
        assert_eq!(check_rating(5, None), Ok(None));
        assert_eq!(check_rating(1, Some(" \n\t ")), Ok(None));
        assert_eq!(check_rating(4, Some("  Tốt  ")), Ok(Some("Tốt".into())));
        assert_eq!(
            check_rating(3, Some("Nhanh.\r\nCán bộ\tvui vẻ\u{0}")),
            Ok(Some("Nhanh.\nCán bộ vui vẻ".into()))
        );
        assert_eq!(check_rating(3, Some("a\rb")), Ok(Some("a\nb".into())));
        assert!(check_rating(3, Some(&format!("  {}  ", "ơ".repeat(1000)))).is_ok());
        assert_eq!(
            check_rating(3, Some(&"ă".repeat(1001))),
            Err(RatingError::CommentTooLong)
        );
        assert_eq!(RatingError::Stars.field(), "stars");
        assert_eq!(RatingError::CommentTooLong.field(), "comment");
    }

    proptest! {
        #[test]
        fn a_cleaned_comment_is_accepted_unchanged(stars in 1u8..=5, c in "\\PC{0,30}|[\\x00-\\x1f\\x7f a-zà-ỹ\r\n]{0,30}") {
            if let Ok(Some(cleaned)) = check_rating(stars, Some(&c)) {
                prop_assert_eq!(check_rating(stars, Some(&cleaned)), Ok(Some(cleaned.clone())));
                prop_assert!(cleaned.chars().all(|ch| ch == '\n' || !ch.is_control()));
                prop_assert_eq!(cleaned.trim(), cleaned.as_str());
            }
        }

        #[test]
        fn stars_outside_one_to_five_are_refused(stars in 6u8..) {
            prop_assert_eq!(check_rating(stars, None), Err(RatingError::Stars));
            prop_assert_eq!(check_rating(0, None), Err(RatingError::Stars));
        }
    }
}
