//! `Random` from `crypto.getRandomValues`, drawn in blocks so that an event
//! costs no call into the browser.

use parcours_core::platform::Random;

const POOL: usize = 512;

pub struct CryptoRandom {
    crypto: Option<web_sys::Crypto>,
    pool: [u8; POOL],
    used: usize,
}

impl CryptoRandom {
    pub fn new(crypto: Option<web_sys::Crypto>) -> CryptoRandom {
        CryptoRandom {
            crypto,
            pool: [0; POOL],
            used: POOL,
        }
    }

    fn refill(&mut self) {
        let filled = self
            .crypto
            .as_ref()
            .is_some_and(|c| c.get_random_values_with_u8_array(&mut self.pool).is_ok());
        if !filled {
            // Every browser that runs WebAssembly has Web Crypto; should it
            // fail anyway, the previous block is stirred rather than reused.
            for (i, byte) in self.pool.iter_mut().enumerate() {
                *byte = byte.wrapping_mul(167).wrapping_add(i as u8);
            }
        }
        self.used = 0;
    }
}

impl Random for CryptoRandom {
    fn fill(&mut self, bytes: &mut [u8]) {
        for byte in bytes.iter_mut() {
            if self.used >= POOL {
                self.refill();
            }
            *byte = self.pool.get(self.used).copied().unwrap_or(0);
            self.used += 1;
        }
    }
}
