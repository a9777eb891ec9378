//! The event model and its wire encoding (Parcours batch format v1).
//!
//! Every event carries a unique id (so a server can drop duplicates), its
//! time, the visitor, the session, the page it happened on and the library.
//! The page context is encoded once per page and reused for every event on it.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::json::write_string;
use crate::base::num::push_u64;

pub const LIBRARY_NAME: &str = "parcours";
pub const LIBRARY_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What kind of call produced an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Track,
    Page,
    Identify,
    /// `group(groupId, traits)`: the user belongs to a group (a company, an account).
    Group,
    /// `alias(userId, previousId)`: two ids name the same person.
    Alias,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Track => "track",
            EventKind::Page => "page",
            EventKind::Identify => "identify",
            EventKind::Group => "group",
            EventKind::Alias => "alias",
        }
    }

    /// Says who the visitor is (identify, group, alias) rather than what
    /// they did: never a journey step, kept with `summariesOnly`.
    pub fn is_profile(self) -> bool {
        matches!(self, EventKind::Identify | EventKind::Group | EventKind::Alias)
    }

    /// The key of the event's object: `traits` for identify and group.
    pub fn properties_key(self) -> &'static str {
        match self {
            EventKind::Identify | EventKind::Group => "traits",
            _ => "properties",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        match s {
            "track" => Some(EventKind::Track),
            "page" => Some(EventKind::Page),
            "identify" => Some(EventKind::Identify),
            "group" => Some(EventKind::Group),
            "alias" => Some(EventKind::Alias),
            _ => None,
        }
    }
}

/// Where an event happened.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageContext {
    pub url: String,
    pub path: String,
    pub title: String,
    pub referrer: String,
    /// `"page":{…},"library":{…}` ready to paste into each event, written
    /// when the first event on this page is encoded (`prepare`).
    encoded: String,
}

impl PageContext {
    /// Bytes this context adds to each event.
    pub fn encoded_len(&self) -> usize {
        self.encoded.len()
    }

    pub fn new(url: &str, title: &str, referrer: &str) -> PageContext {
        PageContext {
            url: url.into(),
            path: crate::base::url::path_of(url).to_string(),
            title: title.into(),
            referrer: referrer.into(),
            encoded: String::new(),
        }
    }

    /// Writes the encoded context if it is not yet (pages with no encoded
    /// event, e.g. with summariesOnly, never pay for it). `device` is the
    /// `{…}` device context, or empty.
    pub fn prepare(&mut self, device: &str) {
        if !self.encoded.is_empty() {
            return;
        }
        let mut encoded =
            String::with_capacity(self.url.len() * 2 + self.title.len() + self.referrer.len() + device.len() + 100);
        encoded.push_str("\"page\":{\"url\":");
        write_string(&mut encoded, &self.url);
        encoded.push_str(",\"path\":");
        write_string(&mut encoded, &self.path);
        encoded.push_str(",\"title\":");
        write_string(&mut encoded, &self.title);
        encoded.push_str(",\"referrer\":");
        write_string(&mut encoded, &self.referrer);
        encoded.push_str("},\"library\":{\"name\":\"");
        encoded.push_str(LIBRARY_NAME);
        encoded.push_str("\",\"version\":\"");
        encoded.push_str(LIBRARY_VERSION);
        encoded.push_str("\"}");
        if !device.is_empty() {
            encoded.push_str(",\"device\":");
            encoded.push_str(device);
        }
        self.encoded = encoded;
    }
}

/// The fields of one event, borrowed from the tracker's state.
pub struct EventFields<'a> {
    pub id: &'a str,
    pub kind: EventKind,
    pub name: &'a str,
    pub ts: u64,
    pub visitor_id: &'a str,
    pub session_id: &'a str,
    pub user_id: Option<&'a str>,
    /// A JSON object's text, or empty for none.
    pub properties: &'a str,
    pub page: &'a PageContext,
    /// `,"key":value` fields of the event's own (a group's `groupId`, an
    /// alias's `previousId`), or empty.
    pub extra: &'a str,
    /// The group the user was last put in (`context.groupId`), or empty.
    pub group_id: &'a str,
}

impl EventFields<'_> {
    /// Appends the event as one JSON object.
    pub fn encode(&self, out: &mut String) {
        out.push_str("{\"id\":\"");
        out.push_str(self.id); // generated ids need no escaping
        out.push_str("\",\"type\":\"");
        out.push_str(self.kind.as_str());
        out.push_str("\",\"name\":");
        write_string(out, self.name);
        out.push_str(",\"ts\":");
        push_u64(out, self.ts);
        out.push_str(",\"visitorId\":");
        write_string(out, self.visitor_id);
        out.push_str(",\"sessionId\":");
        write_string(out, self.session_id);
        if let Some(user_id) = self.user_id {
            out.push_str(",\"userId\":");
            write_string(out, user_id);
        }
        out.push_str(self.extra);
        if !self.properties.is_empty() {
            out.push_str(",\"");
            out.push_str(self.kind.properties_key());
            out.push_str("\":");
            out.push_str(self.properties);
        }
        out.push_str(",\"context\":{");
        out.push_str(&self.page.encoded);
        if !self.group_id.is_empty() {
            out.push_str(",\"groupId\":");
            write_string(out, self.group_id);
        }
        out.push_str("}}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::json;

    #[test]
    fn an_event_encodes_to_valid_json_with_every_required_field() {
        let mut page = PageContext::new("https://shop.example/p?q=1", "Shop \"best\"", "https://google.com/");
        page.prepare("");
        let mut out = String::new();
        EventFields {
            id: "0189abcd-ef01-7fff-bfff-ffffffffffff",
            kind: EventKind::Track,
            name: "Added to cart",
            ts: 1_732_270_000_000,
            visitor_id: "v1",
            session_id: "s1",
            user_id: Some("u1"),
            properties: r#"{"price":12.50}"#,
            page: &page,
            extra: "",
            group_id: "",
        }
        .encode(&mut out);
        let v = json::parse(&out).unwrap();
        assert_eq!(v.get("type").unwrap().as_str(), Some("track"));
        assert_eq!(v.get("ts").unwrap().as_u64(), Some(1_732_270_000_000));
        assert_eq!(v.get("userId").unwrap().as_str(), Some("u1"));
        assert_eq!(
            v.get("properties").unwrap().get("price"),
            Some(&json::Value::Number("12.50".into()))
        );
        let ctx = v.get("context").unwrap();
        assert_eq!(ctx.get("page").unwrap().get("path").unwrap().as_str(), Some("/p"));
        assert_eq!(
            ctx.get("page").unwrap().get("title").unwrap().as_str(),
            Some("Shop \"best\"")
        );
        assert_eq!(
            ctx.get("library").unwrap().get("version").unwrap().as_str(),
            Some(LIBRARY_VERSION)
        );
    }

    #[test]
    fn identify_carries_traits_and_no_properties_key() {
        let mut page = PageContext::new("/", "", "");
        page.prepare("");
        let mut out = String::new();
        EventFields {
            id: "x",
            kind: EventKind::Identify,
            name: "identify",
            ts: 1,
            visitor_id: "v",
            session_id: "s",
            user_id: None,
            properties: r#"{"plan":"pro"}"#,
            page: &page,
            extra: "",
            group_id: "",
        }
        .encode(&mut out);
        let v = json::parse(&out).unwrap();
        assert!(v.get("properties").is_none());
        assert_eq!(v.get("traits").unwrap().get("plan").unwrap().as_str(), Some("pro"));
        assert!(v.get("userId").is_none());
    }
}
