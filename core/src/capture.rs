//! What a page records and how: the events and their context, automatic
//! capture (page views, touchpoints, forms), the device, the friction
//! detectors, the page's Web Vitals (the `vitals` feature), the masking of
//! personal data, and consent. In every build.

pub mod autocapture;
pub mod consent;
pub mod device;
pub mod event;
pub mod friction;
pub mod privacy;
#[cfg(feature = "vitals")]
pub mod vitals;
