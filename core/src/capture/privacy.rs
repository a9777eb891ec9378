//! Data minimisation before anything is stored or sent: personal data that
//! slipped into URLs, titles or properties is masked, and URLs keep only the
//! query parameters on an allowlist (UTM tags and click ids by default).
//!
//! | found | masked as | rule |
//! |---|---|---|
//! | email address | `[email]` | `local@domain.tld` |
//! | card number | `[card]` | 13–19 digits (spaces or dashes between groups) passing the Luhn check |
//! | phone number | `[phone]` | `+` and 8–15 digits, or 3+ digit groups split by spaces, dots, dashes or brackets (9–15 digits) |
//! | long token | `[token]` | 32+ letters, digits, `-` or `_` that look random: a part between `-`/`_` of 16+ mixing letters and digits, or letters and digits alternating 6 times or more (a UUID is not one; a slug such as `ethiopia-guji-natural-2024-250g` is not one) |

#[allow(unused_imports)]
use crate::prelude::*;

fn is_email_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn is_email_domain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')
}

/// The end of an email address whose `@` is at `at`, and its start.
fn email_at(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut start = at;
    while start > 0 && bytes.get(start - 1).copied().is_some_and(is_email_local) {
        start -= 1;
    }
    let mut end = at + 1;
    while bytes.get(end).copied().is_some_and(is_email_domain) {
        end += 1;
    }
    while end > at + 1 && matches!(bytes.get(end - 1), Some(b'.' | b'-')) {
        end -= 1; // "write to a@b.com." ends before the period
    }
    let domain = bytes.get(at + 1..end)?;
    let dot = domain.iter().rposition(|&b| b == b'.')?;
    let tld = domain.get(dot + 1..)?;
    (start < at && dot > 0 && tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic)).then_some((start, end))
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = (d - b'0') as u32;
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 {
                    twice - 9
                } else {
                    twice
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A run of digits and separators starting at `start`: (end, digits,
/// groups, whether every group after the first has 2 digits or more).
fn number_run(bytes: &[u8], start: usize) -> (usize, Vec<u8>, usize, bool) {
    let mut digits = Vec::new();
    let mut groups = 0;
    let mut end = start;
    let mut in_group = false;
    let mut group_len = 0;
    let mut even_groups = true;
    let separator = |b: u8| matches!(b, b' ' | b'-' | b'.' | b'(' | b')');
    while let Some(&b) = bytes.get(end) {
        if b.is_ascii_digit() {
            digits.push(b);
            if !in_group {
                groups += 1;
                in_group = true;
                group_len = 0;
            }
            group_len += 1;
            end += 1;
        } else if separator(b) {
            // Up to two separators (") " in "(555) 123") then a digit continue the run.
            let mut next = end;
            while next < end + 2 && bytes.get(next).copied().is_some_and(separator) {
                next += 1;
            }
            if !bytes.get(next).is_some_and(u8::is_ascii_digit) {
                break;
            }
            if groups > 1 && group_len < 2 {
                even_groups = false;
            }
            in_group = false;
            end = next;
        } else {
            break;
        }
    }
    if groups > 1 && group_len < 2 {
        even_groups = false;
    }
    (end, digits, groups, even_groups)
}

/// Whether a long run of token characters looks like a secret rather than
/// words: a part (between `-` and `_`) of 16 or more that mixes letters and
/// digits, or letters and digits alternating 6 times or more within parts.
/// Product slugs (`iphone-15-pro-max-256gb-blue-titanium`) mix letters and
/// digits only across short parts.
fn looks_random(token: &[u8]) -> bool {
    let mut alternations = 0;
    for part in token.split(|&b| b == b'-' || b == b'_') {
        let mixed = part.iter().any(u8::is_ascii_alphabetic) && part.iter().any(u8::is_ascii_digit);
        if mixed && part.len() >= 16 {
            return true;
        }
        alternations += part
            .windows(2)
            .filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit())
            .count();
    }
    alternations >= 6
}

fn is_uuid(token: &[u8]) -> bool {
    token.len() == 36
        && token.iter().enumerate().all(|(i, &b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        })
}

/// Masks personal data in free text. Returns `None` when nothing was found
/// (the common case costs one scan and no allocation).
pub fn mask_text(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    if !may_hold_personal_data(bytes) {
        return None;
    }
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    let replace = |out: &mut Option<String>, copied: &mut usize, start: usize, end: usize, label: &str| {
        let buffer = out.get_or_insert_with(|| String::with_capacity(text.len()));
        buffer.push_str(text.get(*copied..start).unwrap_or_default());
        buffer.push_str(label);
        *copied = end;
    };
    while i < bytes.len() {
        let b = bytes.get(i).copied().unwrap_or(0);
        let boundary = i == 0 || !bytes.get(i - 1).copied().is_some_and(is_token);
        if b == b'@' {
            if let Some((start, end)) = email_at(bytes, i) {
                if start >= copied {
                    replace(&mut out, &mut copied, start, end, "[email]");
                    i = end;
                    continue;
                }
            }
        } else if boundary
            && (b.is_ascii_digit() || ((b == b'+' || b == b'(') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)))
        {
            let first = if b.is_ascii_digit() { i } else { i + 1 };
            let (end, digits, groups, even_groups) = number_run(bytes, first);
            let after = bytes.get(end).copied();
            let followed_ok = !after.is_some_and(|a| a.is_ascii_alphanumeric() || a == b'@');
            if followed_ok && (13..=19).contains(&digits.len()) && luhn(&digits) {
                replace(&mut out, &mut copied, first, end, "[card]");
                i = end;
                continue;
            }
            let phone = (b == b'+' && (8..=15).contains(&digits.len()))
                || (groups >= 3 && even_groups && (9..=15).contains(&digits.len()));
            if followed_ok && phone {
                replace(&mut out, &mut copied, i, end, "[phone]");
                i = end;
                continue;
            }
            if digits.len() > 1 {
                i = end; // a rejected run is not searched again from its middle
                continue;
            }
        }
        if boundary && is_token(b) {
            let end = bytes
                .get(i..)
                .unwrap_or_default()
                .iter()
                .position(|&c| !is_token(c))
                .map_or(bytes.len(), |p| i + p);
            let token = bytes.get(i..end).unwrap_or_default();
            let mixed = token.iter().any(u8::is_ascii_alphabetic) && token.iter().any(u8::is_ascii_digit);
            if token.len() >= 32
                && mixed
                && looks_random(token)
                && !is_uuid(token)
                && bytes.get(end).is_none_or(|&c| c != b'@')
            {
                replace(&mut out, &mut copied, i, end, "[token]");
                i = end;
                continue;
            }
            // Skip the rest of a word: detectors start at word boundaries.
            if !b.is_ascii_digit() {
                i = end.max(i + 1);
                continue;
            }
        }
        i += 1;
    }
    let mut buffer = out?;
    buffer.push_str(text.get(copied..).unwrap_or_default());
    Some(buffer)
}

/// Masks personal data inside the string values (and card-like numbers) of
/// a JSON text produced by `JSON.stringify`; keys are left as they are.
pub fn mask_json(json: &str) -> Option<String> {
    if !may_hold_personal_data(json.as_bytes()) {
        return None; // the common case: one scan, no parse
    }
    let mut value = crate::base::json::parse(json).ok()?;
    mask_value(&mut value).then(|| value.to_json())
}

/// Whether `bytes` has what any detector needs: an `@`, 8 or more digits
/// close together, or a run of 32 token characters.
fn may_hold_personal_data(bytes: &[u8]) -> bool {
    let (mut digits, mut token) = (0, 0);
    for &b in bytes {
        if b == b'@' {
            return true;
        }
        digits = if b.is_ascii_digit() {
            digits + 1
        } else if matches!(b, b' ' | b'-' | b'.' | b'(' | b')' | b'+') {
            digits
        } else {
            0
        };
        token = if is_token(b) { token + 1 } else { 0 };
        if digits >= 8 || token >= 32 {
            return true;
        }
    }
    false
}

/// Masks in place; true when something was masked.
fn mask_value(value: &mut crate::base::json::Value) -> bool {
    use crate::base::json::Value;
    match value {
        Value::String(s) => match mask_text(s) {
            Some(masked) => {
                *s = masked;
                true
            }
            None => false,
        },
        Value::Number(n)
            if (13..=19).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) && luhn(n.as_bytes()) =>
        {
            *value = Value::String("[card]".into());
            true
        }
        Value::Array(items) => items.iter_mut().fold(false, |changed, v| mask_value(v) | changed),
        Value::Object(fields) => fields.iter_mut().fold(false, |changed, (_, v)| mask_value(v) | changed),
        _ => false,
    }
}

/// `url` with only the query parameters in `keep` (all of them when `keep_all`)
/// minus those in `strip`, and personal data masked in path and values.
pub fn minimize_url(
    url: &str,
    keep: &[&str],
    extra_keep: &[String],
    keep_all: bool,
    strip: &[String],
    mask: bool,
) -> String {
    let query = crate::base::url::query_of(url);
    if query.is_empty() {
        return if mask {
            mask_text(url).unwrap_or_else(|| url.to_string())
        } else {
            url.to_string()
        };
    }
    let question = url.bytes().position(|b| b == b'?').unwrap_or(url.len());
    let fragment_at = url.bytes().position(|b| b == b'#').unwrap_or(url.len());
    let mut out = String::from(url.get(..question.min(fragment_at)).unwrap_or(url));
    if !query.is_empty() {
        let mut first = true;
        for pair in crate::base::url::split_on(query, b'&') {
            let raw_key = pair
                .get(..pair.bytes().position(|b| b == b'=').unwrap_or(pair.len()))
                .unwrap_or(pair);
            let key = crate::base::url::decode(raw_key);
            let kept = (keep_all || keep.contains(&key.as_str()) || extra_keep.contains(&key)) && !strip.contains(&key);
            if pair.is_empty() || !kept {
                continue;
            }
            out.push(if first { '?' } else { '&' });
            out.push_str(pair);
            first = false;
        }
    }
    out.push_str(url.get(fragment_at..).unwrap_or_default());
    if mask {
        mask_text(&out).unwrap_or(out)
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        mask_text(text).unwrap_or_else(|| text.to_string())
    }

    #[test]
    fn personal_data_is_masked_in_text() {
        assert_eq!(
            masked("Contact ada.lovelace+shop@example.co.uk now."),
            "Contact [email] now."
        );
        assert_eq!(masked("card 4111 1111 1111 1111 ok"), "card [card] ok");
        assert_eq!(masked("card 4111-1111-1111-1111"), "card [card]");
        assert_eq!(masked("call +33 6 12 34 56 78 today"), "call [phone] today");
        assert_eq!(masked("call (555) 123-4567"), "call [phone]");
        assert_eq!(masked("tel 06.12.34.56.78"), "tel [phone]");
        assert_eq!(masked("key sk_live_4eC39HqLyjWDarjtT1zdp7dc9XyZ1234"), "key [token]");
    }

    #[test]
    fn ordinary_numbers_ids_and_words_are_left_alone() {
        for text in [
            "order ord-1795349560709 shipped",
            "1795349560709",
            "total 42.50 EUR, 3 items",
            "id 0189abcd-ef01-7fff-bfff-ffffffffffff",
            "version 1.2.3",
            "4111 1111 1111 1112",
            "a@b",
            "a_very_long_identifier_with_only_words_in_it_here",
            "ISBN 978-3-16-148410-0",
        ] {
            assert_eq!(mask_text(text), None, "{text}");
        }
    }

    #[test]
    fn json_values_are_masked_and_keys_kept() {
        let out = mask_json(r#"{"email":"ada@example.com","card":4111111111111111,"note":"fine","n":12}"#).unwrap();
        assert_eq!(out, r#"{"email":"[email]","card":"[card]","note":"fine","n":12}"#);
        assert_eq!(mask_json(r#"{"plan":"pro"}"#), None);
        assert_eq!(mask_json(r#"{"total":42.5,"orderId":"ord-1795349560709"}"#), None);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn masking_never_panics_and_keeps_json_valid(s in any::<String>(), n in any::<u64>()) {
                let _ = mask_text(&s);
                let mut json = String::from("{\"a\":");
                crate::base::json::write_string(&mut json, &s);
                json.push_str(",\"n\":");
                crate::base::num::push_u64(&mut json, n);
                json.push('}');
                if let Some(masked) = mask_json(&json) {
                    prop_assert!(crate::base::json::parse(&masked).is_ok(), "{}", masked);
                }
            }
        }
    }

    #[test]
    fn urls_keep_only_allowlisted_parameters_and_lose_personal_data() {
        let keep = ["utm_source", "gclid"];
        let url = "https://shop.example/account/ada@example.com?utm_source=nl&email=ada%40x.io&token=abc&gclid=Cj0#top";
        assert_eq!(
            minimize_url(url, &keep, &[], false, &[], true),
            "https://shop.example/account/[email]?utm_source=nl&gclid=Cj0#top"
        );
        assert_eq!(
            minimize_url(url, &keep, &[], false, &[], false),
            "https://shop.example/account/ada@example.com?utm_source=nl&gclid=Cj0#top"
        );
        assert_eq!(
            minimize_url(
                "https://s.example/p?plan=pro&x=1",
                &keep,
                &["plan".into()],
                false,
                &[],
                true
            ),
            "https://s.example/p?plan=pro"
        );
        assert_eq!(
            minimize_url(
                "https://s.example/p?plan=pro&x=1",
                &keep,
                &[],
                true,
                &["x".into()],
                true
            ),
            "https://s.example/p?plan=pro"
        );
        assert_eq!(
            minimize_url("https://s.example/p", &keep, &[], false, &[], true),
            "https://s.example/p"
        );
    }

    #[test]
    fn slugs_stay_and_secrets_are_masked() {
        for slug in [
            "/products/ethiopia-guji-natural-2024-limited-edition-250g",
            "/p/iphone-15-pro-max-256gb-blue-titanium-2023-unlocked",
            "/blog/2024-03-15-how-we-cut-our-p99-latency-by-40-percent",
            "/shop/mens_running_shoes_size_10_5_wide_fit_black_2024",
        ] {
            assert_eq!(mask_text(slug), None, "{slug}");
        }
        for (text, masked) in [
            (
                "/reset/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "/reset/[token]",
            ),
            ("key sk_live_4eC39HqLyjWDarjtT1zdp7dc1234", "key [token]"),
            ("/auth/dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "/auth/[token]"),
            ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", "[token]"),
            ("t=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.x", "t=[token].x"),
        ] {
            assert_eq!(mask_text(text).as_deref(), Some(masked), "{text}");
        }
    }
}
