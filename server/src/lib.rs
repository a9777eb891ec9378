//! `parcours-server`: the journey work that happens away from the browser,
//! on the journeys and events the SDK sent (see `parcours-core` for what
//! the SDK decides).
//!
//! - [`aggregate`]: the journey map, from the stored journey summaries
//!   ([`aggregate::facts`]: one compact line per summary).
//! - [`offline`]: touchpoints a site's servers report (calls, visits, tickets).
//! - [`sentiment`]: positive, neutral or negative, for free-text answers.
//! - [`simulate`]: simulated visitors of the demo shop (seeding, benchmarks).

pub mod aggregate;
pub mod offline;
pub mod sentiment;
pub mod simulate;
