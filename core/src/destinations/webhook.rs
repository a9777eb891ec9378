//! A generic webhook: one JSON POST per batch, the events as Parcours
//! writes them (the same objects the collector stores), in an envelope the
//! site describes: `envelope: { source: 'shop', data: '$events' }` sends
//! `{"source":"shop","data":[…],"sentAt":"…"}`. Without an envelope the
//! events go under `events`.

#[allow(unused_imports)]
use crate::prelude::*;

use super::{whole_batch, Destination, Encoded, Event};
use crate::base::date::push_timestamp;
use crate::base::json::write_string;

pub(crate) fn encode(destination: &Destination, events: &[Event], now: u64, encoded: &mut Encoded) {
    let mut body = String::from("{");
    for (name, value) in &destination.envelope {
        write_string(&mut body, name);
        body.push(':');
        value.write(&mut body);
        body.push(',');
    }
    write_string(&mut body, &destination.events_key);
    body.push(':');
    super::push_events(&mut body, events);
    body.push_str(",\"sentAt\":\"");
    push_timestamp(&mut body, now);
    body.push_str("\"}");
    encoded
        .requests
        .push(whole_batch(destination, "application/json", body, events));
}
