//! Dates in UTC without a calendar library: reading `YYYY-MM-DD[THH:MM[:SS]]`
//! (survey schedules) and writing dates and ISO 8601 timestamps (console
//! details, the formats of other backends).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::num::push_u64;

pub const DAY_MS: u64 = 86_400_000;

/// Milliseconds since 1970 of `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` or
/// `YYYY-MM-DDTHH:MM:SS`, in UTC (a trailing `Z` is allowed).
pub fn parse_date(text: &str) -> Option<u64> {
    let b = text.strip_suffix('Z').unwrap_or(text).as_bytes();
    let num = |from: usize, len: usize| -> Option<u64> {
        let digits = b.get(from..from + len)?;
        digits
            .iter()
            .try_fold(0u64, |n, d| d.is_ascii_digit().then(|| n * 10 + (d - b'0') as u64))
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (hour, minute, second) = match b.len() {
        10 => (0, 0, 0),
        16 if b[10] == b'T' && b[13] == b':' => (num(11, 2)?, num(14, 2)?, 0),
        19 if b[10] == b'T' && b[13] == b':' && b[16] == b':' => (num(11, 2)?, num(14, 2)?, num(17, 2)?),
        _ => return None,
    };
    if year < 1970 || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year as i64, month as i64, day as i64) as u64;
    Some(days * DAY_MS + (hour * 3600 + minute * 60 + second) * 1000)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Writes `YYYY-MM-DD` of a time in ms since 1970 (UTC).
pub fn push_date(out: &mut String, ms: u64) {
    let z = (ms / DAY_MS) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    push_u64(out, year as u64);
    for part in [month, day] {
        out.push('-');
        if part < 10 {
            out.push('0');
        }
        push_u64(out, part as u64);
    }
}

/// Appends `ms` (since 1970, UTC) as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn push_timestamp(out: &mut String, ms: u64) {
    push_date(out, ms);
    let in_day = ms % DAY_MS;
    let parts = [
        (in_day / 3_600_000, 'T'),
        (in_day / 60_000 % 60, ':'),
        (in_day / 1_000 % 60, ':'),
    ];
    for (value, separator) in parts {
        out.push(separator);
        push_padded(out, value, 2);
    }
    out.push('.');
    push_padded(out, in_day % 1_000, 3);
    out.push('Z');
}

fn push_padded(out: &mut String, value: u64, width: u32) {
    let mut limit = 10u64.pow(width - 1);
    while limit > 1 && value < limit {
        out.push('0');
        limit /= 10;
    }
    push_u64(out, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps_read_and_write_in_utc() {
        assert_eq!(parse_date("1970-01-02"), Some(DAY_MS));
        assert_eq!(parse_date("2026-11-22T10:30Z"), Some(1_795_343_400_000));
        assert_eq!(parse_date("2026-02-30x"), None);
        let mut out = String::new();
        push_timestamp(&mut out, 1_795_343_400_000 + 5_007);
        assert_eq!(out, "2026-11-22T10:30:05.007Z");
        let mut epoch = String::new();
        push_timestamp(&mut epoch, 0);
        assert_eq!(epoch, "1970-01-01T00:00:00.000Z");
        let mut leap = String::new();
        push_date(&mut leap, parse_date("2028-02-29").unwrap());
        assert_eq!(leap, "2028-02-29");
    }
}
