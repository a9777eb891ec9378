//! `parcours-core`: everything the Parcours SDK decides, with no knowledge of
//! a browser. Time and randomness come in as arguments, storage through the
//! [`platform::Store`] trait, so every rule is tested with plain `cargo test`.
//!
//! Module map:
//! - [`json`], [`num`]: a small JSON reader/writer and integer text (no serde, no fmt: size).
//! - [`config`]: the `init` options, validated with field-naming errors ([`error`]).
//! - [`event`], [`id`]: the event model, its encoding, UUIDv7 ids.
//! - [`session`]: when a visit starts and ends.
//! - [`outbox`], [`retry`]: the bounded queue, batching, and what to do after an answer.
//! - [`tracker`]: ties them together for the shell.
//! - [`batch`]: reading a batch on the receiving side (the collector).
//! - [`surveys`] (with the `surveys` feature): definitions, targeting, prompts.
//! - [`destinations`]: other backends' formats (the full check with the `destinations` feature).
//! - [`sampling`]: a visitor's sticky draw, shared by surveys and destinations.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

/// What `std`'s prelude would give; the core is `no_std` so that the
/// browser build carries no formatting or panic-printing machinery.
pub(crate) mod prelude {
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
}

pub mod attribution;
pub mod autocapture;
pub mod batch;
pub mod config;
pub mod consent;
pub mod date;
pub mod destinations;
pub mod device;
pub mod error;
pub mod event;
pub mod friction;
pub mod id;
pub mod journey;
pub mod json;
pub mod num;
pub mod outbox;
pub mod platform;
pub mod port;
pub mod privacy;
pub mod retry;
pub mod sampling;
pub mod session;
pub mod stages;
#[cfg(feature = "surveys")]
pub mod surveys;
pub mod tracker;
pub mod url;
#[cfg(feature = "vitals")]
pub mod vitals;
/// The allocator of the shipped WebAssembly modules (the SDK and the widget).
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
