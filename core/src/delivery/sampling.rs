//! Sticky sampling shared by surveys (sample, A/B variants) and
//! destinations (`sample`): a visitor's fixed draw from 0 to 9,999 for a
//! salt and an id, and percentages read in basis points.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::json::Value;

/// A visitor's fixed draw for `salt` and survey `id`, from 0 to 9999:
/// FNV-1a of the three, finished with splitmix64's mixer so that visitor
/// ids differing only in their last characters spread evenly.
pub fn draw(salt: &str, id: &str, visitor_id: &str) -> u32 {
    let bytes = salt
        .bytes()
        .chain([0])
        .chain(id.bytes())
        .chain([0])
        .chain(visitor_id.bytes());
    let mut h = crate::base::num::fnv1a(crate::base::num::FNV_OFFSET, bytes);
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    (h % 10_000) as u32
}

/// A percentage from 0 to 100 (decimals allowed) in basis points, or none.
pub fn percent_bp(value: &Value) -> Option<u32> {
    let Value::Number(n) = value else { return None };
    crate::base::num::parse_f64(n)
        .filter(|p| (0.0..=100.0).contains(p))
        .map(|p| (p * 100.0 + 0.5) as u32)
}
