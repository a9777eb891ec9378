//! Feedback surveys, in the builds that carry them (`surveys` feature; a
//! page that defines no survey loads a build without this folder):
//!
//! - [`survey`]: survey definitions (questions, wording, placement), read
//!   with field-naming errors, and the answers they produce;
//! - [`targeting`]: when a survey shows (triggers, audience, sampling,
//!   frequency, schedule, A/B variants) and the browser history of showings;
//! - [`condition`], [`pattern`]: audience conditions and URL patterns;
//! - [`prompt`]: a survey on screen, question by question;
//! - [`theme`]: its look, from the site's colours.

pub mod condition;
pub mod pattern;
pub mod prompt;
pub mod survey;
pub mod targeting;
pub mod theme;
