//! EMVCo TLV: `tag(2 digits) length(2 digits) value(length characters)`, repeated; templates (38,
//! 62) hold the same structure inside their value. Works on a string already checked to be
//! printable ASCII, so character and byte positions are the same.

use super::VietQrError;

/// One data object. `at` is the position of its tag in the whole payload (for error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field<'a> {
    pub tag: &'a str,
    pub value: &'a str,
    pub at: usize,
}

/// The tag as shown in messages: `38` at the top level, `38.01` inside template 38.
pub(crate) fn path(parent: &str, tag: &str) -> String {
    if parent.is_empty() {
        tag.to_string()
    } else {
        format!("{parent}.{tag}")
    }
}

/// Splits `s` (which starts at position `base` of the payload, inside template `parent`, `""` at
/// the top level) into its data objects, in order. Every object must be complete, lengths are
/// `01`–`99`, and a tag appears at most once.
pub(crate) fn parse<'a>(
    s: &'a str,
    base: usize,
    parent: &str,
) -> Result<Vec<Field<'a>>, VietQrError> {
    let mut fields: Vec<Field<'a>> = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let at = base + i;
        let rest = &s[i..];
        if rest.len() < 4 {
            return Err(VietQrError::TruncatedHeader {
                template: if parent.is_empty() {
                    "payload".into()
                } else {
                    format!("tag {parent}")
                },
                at,
                remaining: rest.len(),
            });
        }
        let tag = &rest[..2];
        if !tag.bytes().all(|b| b.is_ascii_digit()) {
            return Err(VietQrError::BadTag {
                at,
                found: tag.to_string(),
            });
        }
        let len_text = &rest[2..4];
        let declared = match len_text.parse::<usize>() {
            Ok(n) if n > 0 && len_text.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => {
                return Err(VietQrError::BadLength {
                    tag: path(parent, tag),
                    at: at + 2,
                    found: len_text.to_string(),
                })
            }
        };
        let remaining = rest.len() - 4;
        if declared > remaining {
            return Err(VietQrError::Truncated {
                tag: path(parent, tag),
                at,
                declared,
                remaining,
            });
        }
        if fields.iter().any(|f| f.tag == tag) {
            return Err(VietQrError::DuplicateTag {
                tag: path(parent, tag),
            });
        }
        fields.push(Field {
            tag,
            value: &rest[4..4 + declared],
            at,
        });
        i += 4 + declared;
    }
    Ok(fields)
}

/// Appends one data object; `value` must be 1–99 ASCII characters (checked by the caller).
pub(crate) fn push(out: &mut String, tag: &str, value: &str) {
    out.push_str(tag);
    out.push_str(&format!("{:02}", value.len()));
    out.push_str(value);
}
