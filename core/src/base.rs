//! The base every other part stands on, importing nothing outside it: JSON
//! read and written by hand, integers and decimals, dates, URLs, ids, the
//! errors with their field and fix, and the platform's storage, clock and
//! randomness as traits. In every build.

pub mod date;
pub mod error;
pub mod id;
pub mod json;
pub mod num;
pub mod platform;
pub mod url;
