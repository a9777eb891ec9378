//! Integer text without `core::fmt` (whose machinery would cost kilobytes in
//! the browser bundle).

#[allow(unused_imports)]
use crate::prelude::*;

/// Appends `n` in decimal. (Iterators and `get` rather than indexing: no
/// bounds-check panic path in the wasm.)
pub fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut used = 0;
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
        used += 1;
        if n == 0 {
            break;
        }
    }
    let text = digits.get(digits.len() - used..).unwrap_or_default();
    out.push_str(core::str::from_utf8(text).unwrap_or_default());
}

/// FNV-1a's standard starting value.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a of `bytes` from `seed` (`FNV_OFFSET` for the standard hash): the
/// one small, stable hash Parcours uses for ids, draws and names.
pub fn fnv1a(seed: u64, bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes
        .into_iter()
        .fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Appends the last `digits` hex digits of `n` (16 for all of it).
pub fn push_hex(out: &mut String, n: u64, digits: u32) {
    for shift in (0..digits.min(16)).rev() {
        out.push(char::from(b"0123456789abcdef"[((n >> (shift * 4)) & 0xf) as usize]));
    }
}

pub fn u64_to_string(n: u64) -> String {
    let mut out = String::new();
    push_u64(&mut out, n);
    out
}

pub fn i64_to_string(n: i64) -> String {
    let mut out = String::new();
    if n < 0 {
        out.push('-');
    }
    push_u64(&mut out, n.unsigned_abs());
    out
}

/// Parses plain decimal digits (no sign, no fraction); `None` on anything else
/// or on overflow.
pub fn parse_u64(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    let mut n: u64 = 0;
    for byte in text.bytes() {
        if !byte.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add((byte - b'0') as u64)?;
    }
    Some(n)
}

/// Appends `n` thousandths as a decimal: 250 is `0.250`.
pub fn push_thousandths(out: &mut String, n: u64) {
    push_u64(out, n / 1000);
    out.push('.');
    for unit in [100, 10, 1] {
        out.push(char::from(b'0' + (n / unit % 10) as u8));
    }
}

/// Parses `d.ddd` (no sign, no exponent) as thousandths, further decimals
/// cut: `0.25` is 250.
pub fn parse_thousandths(text: &str) -> Option<u64> {
    let (whole, fraction) = match text.bytes().position(|b| b == b'.') {
        Some(point) => (text.get(..point)?, text.get(point + 1..)?),
        None => (text, ""),
    };
    let mut n = parse_u64(whole)?.saturating_mul(1000);
    let mut unit = 100;
    for digit in fraction.bytes() {
        if !digit.is_ascii_digit() {
            return None;
        }
        n += u64::from(digit - b'0') * unit;
        unit /= 10;
    }
    Some(n)
}

/// Parses a decimal number (`-12.5`, `3e2`); precise enough to compare.
pub fn parse_f64(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut at = 0;
    let negative = bytes.first() == Some(&b'-');
    if negative || bytes.first() == Some(&b'+') {
        at += 1;
    }
    let mut value = 0.0f64;
    let mut digits = 0;
    let mut scale = 0i32;
    let mut seen_point = false;
    while let Some(&b) = bytes.get(at) {
        match b {
            b'0'..=b'9' => {
                value = value * 10.0 + (b - b'0') as f64;
                digits += 1;
                if seen_point {
                    scale -= 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        at += 1;
    }
    if digits == 0 {
        return None;
    }
    if let Some(b'e' | b'E') = bytes.get(at) {
        at += 1;
        let minus = bytes.get(at) == Some(&b'-');
        if minus || bytes.get(at) == Some(&b'+') {
            at += 1;
        }
        let start = at;
        let mut exponent = 0i32;
        while let Some(d) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
            exponent = exponent.saturating_mul(10).saturating_add((d - b'0') as i32);
            at += 1;
        }
        if at == start {
            return None;
        }
        scale += if minus { -exponent } else { exponent };
    }
    if at != bytes.len() {
        return None;
    }
    for _ in 0..scale.unsigned_abs().min(400) {
        value = if scale > 0 { value * 10.0 } else { value / 10.0 };
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousandths_are_written_and_read_as_decimals() {
        for (n, text) in [(250, "0.250"), (5, "0.005"), (12_340, "12.340"), (0, "0.000")] {
            let mut out = String::new();
            push_thousandths(&mut out, n);
            assert_eq!(out, text);
            assert_eq!(parse_thousandths(text), Some(n));
        }
        assert_eq!(parse_thousandths("0.25"), Some(250));
        assert_eq!(parse_thousandths("1"), Some(1_000));
        assert_eq!(parse_thousandths("0.12345"), Some(123), "further decimals cut");
        for bad in ["-0.1", "0.1e2", "", ".", "a.1"] {
            assert_eq!(parse_thousandths(bad), None, "{bad}");
        }
    }

    #[test]
    fn writes_and_reads_integers() {
        for n in [0, 7, 10, 1_732_270_000_000, u64::MAX] {
            assert_eq!(parse_u64(&u64_to_string(n)), Some(n));
            assert_eq!(u64_to_string(n), n.to_string());
        }
        assert_eq!(i64_to_string(-42), "-42");
        assert_eq!(i64_to_string(i64::MIN), i64::MIN.to_string());
    }

    #[test]
    fn refuses_what_is_not_a_plain_integer() {
        for text in ["", "-1", "1.0", "1e3", "18446744073709551616", " 1"] {
            assert_eq!(parse_u64(text), None, "{text}");
        }
    }
}
