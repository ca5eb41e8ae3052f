//! Vietnamese text folding for search: lower case, combining marks stripped (NFD), đ→d.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Folds text for matching: "Đăng ký Hộ khẩu" → "dang ky ho khau".
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The folded tokens of `s` (runs of letters and digits).
pub fn tokens(s: &str) -> Vec<String> {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether `a` and `b` are within one edit (insert, delete, substitute, or swap of neighbours).
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a == b {
        return true;
    }
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if la == lb {
        // substitution, or transposition of positions prefix and prefix+1
        if a[prefix + 1..] == b[prefix + 1..] {
            return true;
        }
        return prefix + 1 < la
            && a[prefix] == b[prefix + 1]
            && a[prefix + 1] == b[prefix]
            && a[prefix + 2..] == b[prefix + 2..];
    }
    let (long, short) = if la > lb { (&a, &b) } else { (&b, &a) };
    long[prefix + 1..] == short[prefix..]
}

/// The keys of a term's one-deletion neighbourhood (the term itself and each one-char deletion).
pub fn deletions(term: &str) -> Vec<String> {
    let chars: Vec<char> = term.chars().collect();
    let mut out = Vec::with_capacity(chars.len() + 1);
    out.push(term.to_string());
    for i in 0..chars.len() {
        let d: String = chars
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, c)| c)
            .collect();
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Đăng ký HỘ KHẨU"), "dang ky ho khau");
        assert_eq!(fold("đổi bằng lái"), "doi bang lai");
        assert_eq!(
            fold("Giấy chứng nhận quyền sử dụng đất"),
            "giay chung nhan quyen su dung dat"
        );
        assert_eq!(fold("ưu tiên ở đây"), "uu tien o day");
        assert_eq!(
            tokens("Hộ chiếu (phổ thông) 1.001456"),
            ["ho", "chieu", "pho", "thong", "1", "001456"]
        );
    }

    #[test]
    fn one_edit() {
        for (a, b) in [
            ("chieu", "chiue"),
            ("chieu", "chiu"),
            ("chieu", "chieuu"),
            ("khai", "khia"),
            ("sinh", "xinh"),
            ("a", "b"),
        ] {
            assert!(within_one_edit(a, b), "{a} {b}");
            assert!(within_one_edit(b, a), "{b} {a}");
        }
        for (a, b) in [
            ("chieu", "cheiu u"),
            ("khai", "khau1"),
            ("ab", "ba c"),
            ("hon", "nho"),
        ] {
            assert!(!within_one_edit(a, b), "{a} {b}");
        }
    }

    proptest! {
        #[test]
        fn fold_is_idempotent_and_mark_free(s in "\\PC{0,40}") {
            let f = fold(&s);
            prop_assert_eq!(fold(&f), f.clone());
            prop_assert!(!f.contains('đ'));
        }

        #[test]
        fn symmetric_delete_finds_every_one_edit(a in "[a-e]{1,7}", b in "[a-e]{1,7}") {
            if within_one_edit(&a, &b) && a.chars().count().abs_diff(b.chars().count()) <= 1 {
                let da = deletions(&a);
                let db = deletions(&b);
                prop_assert!(da.iter().any(|d| db.contains(d)), "{} {}", a, b);
            }
        }
    }
}
