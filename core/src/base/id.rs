//! Identifiers: UUID version 7 (RFC 9562), time-ordered so that a server's
//! index on event ids stays append-mostly, with 74 random bits so that two
//! browsers never collide in practice.

#[allow(unused_imports)]
use crate::prelude::*;

/// Formats a UUIDv7 from a millisecond timestamp and 10 random bytes.
pub fn uuid_v7(now_ms: u64, random: [u8; 10]) -> String {
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&now_ms.to_be_bytes()[2..]);
    bytes[6..].copy_from_slice(&random);
    bytes[6] = 0x70 | (bytes[6] & 0x0f); // version 7
    bytes[8] = 0x80 | (bytes[8] & 0x3f); // RFC variant
    hyphenated(&bytes)
}

fn hyphenated(bytes: &[u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(HEX[(byte >> 4) as usize] as char);
        out.push(HEX[(byte & 0xf) as usize] as char);
    }
    out
}

/// Whether `s` looks like an identifier we accept from a client: 1 to 64
/// characters from `[A-Za-z0-9_.:-]`.
pub fn is_valid_client_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Whether `s` is a UUID in its usual form (36 characters, hyphens at 8, 13, 18 and 23).
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_a_version_7_uuid_with_the_timestamp_first() {
        let id = uuid_v7(0x0189_abcd_ef01, [0xff; 10]);
        assert_eq!(id, "0189abcd-ef01-7fff-bfff-ffffffffffff");
        assert!(is_valid_client_id(&id));
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let a = uuid_v7(1_700_000_000_000, [0xff; 10]);
        let b = uuid_v7(1_700_000_000_001, [0x00; 10]);
        assert!(a < b);
    }

    #[test]
    fn client_ids_are_bounded_and_plain() {
        assert!(!is_valid_client_id(""));
        assert!(!is_valid_client_id(&"a".repeat(65)));
        assert!(!is_valid_client_id("a b"));
        assert!(!is_valid_client_id("<script>"));
    }
}
