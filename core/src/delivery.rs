//! Getting events to the backends: the batch format, the durable outbox
//! (chunks, page-hide batches, caps), retries with backoff, and sampling.
//! In every build; the destinations' encoders are `destinations`.

pub mod batch;
pub mod outbox;
pub mod retry;
pub mod sampling;
