//! Dates in UTC without a calendar library: reading ISO 8601 dates and
//! times (survey schedules, offline touchpoints) and writing dates and ISO 8601 timestamps (console
//! details, the formats of other backends).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::num::push_u64;

pub const DAY_MS: u64 = 86_400_000;

/// Milliseconds since 1970 of an ISO 8601 date or time: `YYYY-MM-DD`,
/// `YYYY-MM-DDTHH:MM`, `YYYY-MM-DDTHH:MM:SS` with an optional fraction of
/// a second (`.123`, what `new Date().toISOString()` writes), then `Z`, an
/// offset (`+02:00`, `-0500`) or nothing (UTC). A day the month does not
/// have (`2026-02-31`) is not a date.
pub fn parse_date(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits
            .iter()
            .try_fold(0i64, |n, d| d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0')))
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || year < 1970 || !(1..=12).contains(&month) {
        return None;
    }
    if day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, 0);
    let mut at = 10;
    if b.get(10) == Some(&b'T') {
        (hour, minute) = (num(11, 2)?, num(14, 2)?);
        if b.get(13) != Some(&b':') {
            return None;
        }
        at = 16;
        if b.get(16) == Some(&b':') {
            second = num(17, 2)?;
            at = 19;
            if b.get(19) == Some(&b'.') {
                let digits = b.get(20..)?.iter().take_while(|d| d.is_ascii_digit()).count();
                if !(1..=9).contains(&digits) {
                    return None;
                }
                // Milliseconds: the first three digits, the rest ignored.
                millis = (0..3).fold(0, |n, k| {
                    n * 10 + if k < digits { num(20 + k, 1).unwrap_or(0) } else { 0 }
                });
                at = 20 + digits;
            }
        }
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let offset_minutes = match b.get(at..)? {
        [] | [b'Z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [_, _, b':', _, _] => (num(at + 1, 2)?, num(at + 4, 2)?),
                [_, _, _, _] => (num(at + 1, 2)?, num(at + 3, 2)?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            if *sign == b'+' {
                h * 60 + m
            } else {
                -(h * 60 + m)
            }
        }
        _ => return None,
    };
    let local =
        days_from_civil(year, month, day) * DAY_MS as i64 + (hour * 3600 + minute * 60 + second) * 1000 + millis;
    u64::try_from(local - offset_minutes * 60_000).ok()
}

/// Days in `month` (1 to 12) of `year`.
fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
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
        assert_eq!(parse_date("2026-02-31"), None, "a day February does not have");
        assert_eq!(parse_date("2026-04-31"), None);
        assert_eq!(parse_date("2028-02-29"), Some(1_835_395_200_000), "a leap day");
        assert_eq!(parse_date("2027-02-29"), None);
        // What new Date().toISOString() writes, and offsets.
        assert_eq!(parse_date("2026-11-22T10:30:05.007Z"), Some(1_795_343_405_007));
        assert_eq!(parse_date("2026-11-22T10:30:05.1Z"), Some(1_795_343_405_100));
        assert_eq!(parse_date("2026-11-22T10:30:05.123456Z"), Some(1_795_343_405_123));
        assert_eq!(parse_date("2026-11-22T12:30:00+02:00"), Some(1_795_343_400_000));
        assert_eq!(parse_date("2026-11-22T05:30:00-0500"), Some(1_795_343_400_000));
        assert_eq!(parse_date("2026-11-22T10:30:00."), None);
        assert_eq!(parse_date("2026-11-22T10:30:00+2"), None);
        assert_eq!(parse_date("2026-11-22T10:30:00Zjunk"), None);
        assert_eq!(parse_date("1970-01-01T00:30:00+01:00"), None, "before 1970");
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
