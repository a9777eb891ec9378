//! `parcours-core`: everything the Parcours SDK decides, with no knowledge of
//! a browser. Time and randomness come in as arguments, storage through the
//! [`platform::Store`] trait, so every rule is tested with plain `cargo test`.
//!
//! The folders show what ships where (see HACKING.md, Layers):
//! - [`base`]: JSON, numbers, dates, URLs, ids, errors, the platform traits;
//!   it imports nothing outside itself.
//! - [`capture`]: events, automatic capture, device, friction, Web Vitals
//!   (`vitals` feature), personal-data masking, consent.
//! - [`journey`]: the session journey, with sessions, stages and attribution.
//! - [`delivery`]: the batch format, the durable outbox, retries, sampling.
//! - [`config`]: the `init` options, one table ([`config::OPTIONS`]).
//! - [`tracker`]: ties them together for the shell, through [`port`]'s codes.
//! - [`surveys`] (`surveys` feature): definitions, targeting, prompts.
//! - [`destinations`]: other backends' formats (the full check with the `destinations` feature).
//!
//! Each module is also at the crate's root (`crate::json`, `crate::outbox`,
//! …): the folders group them, the paths stay short.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

/// What `std`'s prelude would give; the core is `no_std` so that the
/// browser build carries no formatting or panic-printing machinery.
pub(crate) mod prelude {
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
}

pub mod base;
pub mod capture;
pub mod config;
pub mod delivery;
pub mod destinations;
pub mod journey;
pub mod port;
#[cfg(feature = "surveys")]
pub mod surveys;
pub mod tracker;

pub use base::{date, error, id, json, num, platform, url};
#[cfg(feature = "vitals")]
pub use capture::vitals;
pub use capture::{autocapture, consent, device, event, friction, privacy};
pub use delivery::{batch, outbox, retry, sampling};
pub use journey::{attribution, session, stages};

#[cfg(target_arch = "wasm32")]
pub mod wasm_alloc;

/// What a shipped WebAssembly module (`feature = "bundle"`, `no_std`) needs:
/// the size-class allocator, and a panic handler that traps instead of
/// formatting a message. The JavaScript side catches the trap and switches
/// the module off, and no formatting code is shipped.
#[macro_export]
macro_rules! bundle_runtime {
    () => {
        #[cfg(all(feature = "bundle", target_arch = "wasm32"))]
        #[global_allocator]
        static ALLOCATOR: $crate::wasm_alloc::SizeClassAllocator = $crate::wasm_alloc::SizeClassAllocator::new();

        #[cfg(all(feature = "bundle", target_arch = "wasm32"))]
        #[panic_handler]
        fn panic(_: &core::panic::PanicInfo) -> ! {
            core::arch::wasm32::unreachable()
        }
    };
}
