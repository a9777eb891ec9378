//! `parcours-collector`: receives Parcours batches over HTTP, stores them in
//! SQLite, and serves the demo site and pages to inspect sessions. Batch
//! decoding is `parcours-core`'s, the same model the SDK writes.

pub mod app;
pub mod faults;
pub mod flags;
pub mod headers;
pub mod ingest;
pub mod limits;
pub mod live;
pub mod log;
pub mod map;
pub mod map_svg;
pub mod metrics;
pub mod pages;
pub mod seed;
pub mod serve;
pub mod state;
pub mod store;
pub mod surveys;
pub mod touchpoints;
pub mod window;
