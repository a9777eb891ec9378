//! The few things the core needs from its host, as small traits: a key-value
//! store and a source of random bytes. Time is always passed in as a value.
//! The browser shell implements them with web-sys; tests use the in-memory
//! versions below.

#[allow(unused_imports)]
use crate::prelude::*;

/// Durable key-value storage (localStorage in the browser).
pub trait Store {
    fn get(&self, key: &str) -> Option<String>;
    /// Returns false when the value could not be stored (quota, disabled storage).
    fn set(&mut self, key: &str, value: &str) -> bool;
    fn remove(&mut self, key: &str);
}

/// Cryptographically strong random bytes (crypto.getRandomValues in the browser).
pub trait Random {
    fn fill(&mut self, bytes: &mut [u8]);

    /// A uniform number in [0, 1), for jitter.
    fn unit(&mut self) -> f64 {
        let mut b = [0u8; 4];
        self.fill(&mut b);
        u32::from_le_bytes(b) as f64 / (u32::MAX as f64 + 1.0)
    }
}

/// A store that forgets everything when dropped. A list, not a map: it
/// holds a handful of keys, and a tree would cost kilobytes in the bundle.
#[derive(Default, Debug, Clone)]
pub struct MemoryStore {
    pub entries: Vec<(String, String)>,
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Option<String> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }
    fn set(&mut self, key: &str, value: &str) -> bool {
        self.remove(key);
        self.entries.push((key.into(), value.into()));
        true
    }
    fn remove(&mut self, key: &str) {
        self.entries.retain(|(k, _)| k != key);
    }
}

/// A deterministic generator (splitmix64) for tests and simulations; never
/// used for identifiers in the browser.
#[derive(Debug, Clone)]
pub struct SeededRandom(pub u64);

impl Random for SeededRandom {
    fn fill(&mut self, bytes: &mut [u8]) {
        for chunk in bytes.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// A new UUIDv7 from the clock and the random source.
pub fn new_id(now_ms: u64, random: &mut dyn Random) -> String {
    let mut bytes = [0u8; 10];
    random.fill(&mut bytes);
    crate::base::id::uuid_v7(now_ms, bytes)
}

/// Which surveys this browser showed and when: kept by the builds with
/// surveys, erased by every build (a page without surveys may follow one with).
pub const SURVEY_HISTORY_KEY: &str = "parcours.surveys";
