//! Channel attribution: how a visitor arrived, from the landing URL (UTM tags,
//! ad click ids) and the referrer, classified on the client.
//!
//! Order of the rules (first match wins):
//! 1. an ad click id: gclid/gbraid/wbraid/msclkid → paid search, dclid →
//!    display, ttclid/li_fat_id/twclid → paid social;
//! 2. `utm_medium`: email, affiliate, display, paid (paid social when the
//!    source is a social network, else paid search), social, organic, referral;
//! 3. `utm_source` alone: a search engine → organic search, a social network
//!    → organic social, else referral;
//! 4. `fbclid` alone (Facebook adds it to every outbound link) → organic social;
//! 5. the referrer: none → direct, this site → internal, webmail → email,
//!    search engine → organic search, social network → organic social, else referral.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::json::{write_string, Value};
use crate::base::url::{contains, host_is, host_of, param_in, path_of, query_of, split_on};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Direct,
    OrganicSearch,
    PaidSearch,
    OrganicSocial,
    PaidSocial,
    Email,
    Referral,
    Display,
    Affiliate,
    Internal,
    /// Outside the website: a store, a call, a letter (offline touchpoints).
    Offline,
}

pub const CHANNELS: [Channel; 11] = [
    Channel::Direct,
    Channel::OrganicSearch,
    Channel::PaidSearch,
    Channel::OrganicSocial,
    Channel::PaidSocial,
    Channel::Email,
    Channel::Referral,
    Channel::Display,
    Channel::Affiliate,
    Channel::Internal,
    Channel::Offline,
];

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Direct => "direct",
            Channel::OrganicSearch => "organic_search",
            Channel::PaidSearch => "paid_search",
            Channel::OrganicSocial => "organic_social",
            Channel::PaidSocial => "paid_social",
            Channel::Email => "email",
            Channel::Referral => "referral",
            Channel::Display => "display",
            Channel::Affiliate => "affiliate",
            Channel::Internal => "internal",
            Channel::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        CHANNELS.iter().copied().find(|c| c.as_str() == s)
    }
}

/// Search engines: a domain, or `name.*` for any country domain of `name`.
pub const SEARCH_ENGINES: &[(&str, &str)] = &[
    ("google.*", "google"),
    ("bing.com", "bing"),
    ("duckduckgo.com", "duckduckgo"),
    ("search.yahoo.com", "yahoo"),
    ("yahoo.co.jp", "yahoo"),
    ("baidu.com", "baidu"),
    ("yandex.*", "yandex"),
    ("ya.ru", "yandex"),
    ("ecosia.org", "ecosia"),
    ("qwant.com", "qwant"),
    ("startpage.com", "startpage"),
    ("search.brave.com", "brave"),
    ("naver.com", "naver"),
    ("seznam.cz", "seznam"),
    ("ask.com", "ask"),
    ("search.aol.com", "aol"),
    ("sogou.com", "sogou"),
    ("so.com", "360"),
    ("kagi.com", "kagi"),
    ("daum.net", "daum"),
];

/// Social networks (including their link shorteners and redirectors).
pub const SOCIAL_NETWORKS: &[(&str, &str)] = &[
    ("facebook.com", "facebook"),
    ("fb.com", "facebook"),
    ("fb.me", "facebook"),
    ("instagram.com", "instagram"),
    ("t.co", "twitter"),
    ("twitter.com", "twitter"),
    ("x.com", "twitter"),
    ("linkedin.com", "linkedin"),
    ("lnkd.in", "linkedin"),
    ("pinterest.*", "pinterest"),
    ("pin.it", "pinterest"),
    ("reddit.com", "reddit"),
    ("youtube.com", "youtube"),
    ("youtu.be", "youtube"),
    ("tiktok.com", "tiktok"),
    ("snapchat.com", "snapchat"),
    ("whatsapp.com", "whatsapp"),
    ("wa.me", "whatsapp"),
    ("t.me", "telegram"),
    ("telegram.org", "telegram"),
    ("vk.com", "vk"),
    ("threads.net", "threads"),
    ("tumblr.com", "tumblr"),
    ("quora.com", "quora"),
    ("discord.com", "discord"),
    ("mastodon.social", "mastodon"),
    ("bsky.app", "bluesky"),
    ("weibo.com", "weibo"),
    ("line.me", "line"),
    ("xing.com", "xing"),
];

/// Web mail, whose links count as email.
pub const WEBMAIL: &[(&str, &str)] = &[
    ("mail.google.com", "gmail"),
    ("outlook.live.com", "outlook"),
    ("outlook.office.com", "outlook"),
    ("outlook.office365.com", "outlook"),
    ("mail.yahoo.com", "yahoo_mail"),
    ("mail.proton.me", "proton_mail"),
    ("mail.aol.com", "aol_mail"),
];

/// Ad click ids: parameter, channel, source.
const CLICK_IDS: &[(&str, Channel, &str)] = &[
    ("gclid", Channel::PaidSearch, "google"),
    ("gbraid", Channel::PaidSearch, "google"),
    ("wbraid", Channel::PaidSearch, "google"),
    ("msclkid", Channel::PaidSearch, "bing"),
    ("dclid", Channel::Display, "google"),
    ("ttclid", Channel::PaidSocial, "tiktok"),
    ("li_fat_id", Channel::PaidSocial, "linkedin"),
    ("twclid", Channel::PaidSocial, "twitter"),
];

/// The URL parameters that carry attribution (kept when URLs are minimised).
pub const ATTRIBUTION_PARAMS: &[&str] = &[
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "gclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "dclid",
    "fbclid",
    "ttclid",
    "li_fat_id",
    "twclid",
];

fn lookup(host: &str, table: &[(&str, &'static str)]) -> Option<&'static str> {
    table
        .iter()
        .find(|(domain, _)| domain_matches(host, domain))
        .map(|(_, name)| *name)
}

/// `name.*` matches `name.com`, `www.name.co.uk`, …; anything else matches
/// the domain and its subdomains.
fn domain_matches(host: &str, domain: &str) -> bool {
    match domain.strip_suffix(".*") {
        Some(name) => {
            let mut labels = split_on(host, b'.');
            let mut seen = false;
            for label in labels.by_ref() {
                if label == name {
                    seen = true;
                    break;
                }
            }
            seen && labels.next().is_some()
        }
        None => host_is(host, domain),
    }
}

/// How one session began.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Touch {
    pub channel: Option<Channel>,
    pub source: String,
    pub medium: String,
    pub campaign: String,
    pub term: String,
    pub content: String,
    /// The ad click id parameter present (`gclid`, …), if any, and its value.
    pub click_id: String,
    pub click_id_value: String,
    pub referrer_host: String,
    pub landing_path: String,
    pub at: u64,
}

impl Touch {
    pub fn channel(&self) -> Channel {
        self.channel.unwrap_or(Channel::Direct)
    }

    /// Whether the landing URL carried a campaign (UTM tags or an ad click id).
    pub fn has_campaign(&self) -> bool {
        !self.campaign.is_empty()
            || !self.click_id_value.is_empty()
            || (!self.source.is_empty() && !self.medium.is_empty())
    }

    /// Whether `other` is a different campaign from this one.
    pub fn is_new_campaign(&self, other: &Touch) -> bool {
        other.has_campaign()
            && (other.source != self.source
                || other.medium != self.medium
                || other.campaign != self.campaign
                || other.click_id_value != self.click_id_value)
    }

    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"channel\":\"");
        out.push_str(self.channel().as_str());
        out.push('"');
        for (key, value) in [
            ("source", &self.source),
            ("medium", &self.medium),
            ("campaign", &self.campaign),
            ("term", &self.term),
            ("content", &self.content),
            ("clickId", &self.click_id),
            ("clickIdValue", &self.click_id_value),
            ("referrerHost", &self.referrer_host),
            ("landingPath", &self.landing_path),
        ] {
            if !value.is_empty() {
                out.push_str(",\"");
                out.push_str(key);
                out.push_str("\":");
                write_string(out, value);
            }
        }
        out.push_str(",\"at\":");
        crate::base::num::push_u64(out, self.at);
        out.push('}');
    }

    pub fn from_json(value: &Value) -> Option<Touch> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
        Some(Touch {
            channel: Some(Channel::parse(value.get("channel")?.as_str()?)?),
            source: text("source"),
            medium: text("medium"),
            campaign: text("campaign"),
            term: text("term"),
            content: text("content"),
            click_id: text("clickId"),
            click_id_value: text("clickIdValue"),
            referrer_host: text("referrerHost"),
            landing_path: text("landingPath"),
            at: value.get("at").and_then(Value::as_u64).unwrap_or(0),
        })
    }
}

fn medium_channel(medium: &str, source_is_social: bool) -> Option<Channel> {
    let is = |names: &[&str]| names.contains(&medium);
    Some(if is(&["email", "e-mail", "e_mail", "newsletter", "mail"]) {
        Channel::Email
    } else if is(&["affiliate", "affiliates", "partner"]) {
        Channel::Affiliate
    } else if is(&["display", "banner", "cpm", "expandable", "interstitial", "programmatic"]) {
        Channel::Display
    } else if is(&["paid_social", "paidsocial", "paid-social", "social_paid", "social-paid"]) {
        Channel::PaidSocial
    } else if is(&[
        "cpc",
        "ppc",
        "paid",
        "paidsearch",
        "paid_search",
        "paid-search",
        "sem",
        "cpa",
        "cpv",
    ]) {
        if source_is_social {
            Channel::PaidSocial
        } else {
            Channel::PaidSearch
        }
    } else if is(&[
        "social",
        "social-network",
        "social-media",
        "sm",
        "social_network",
        "social_media",
        "organic_social",
    ]) {
        Channel::OrganicSocial
    } else if is(&["organic"]) {
        Channel::OrganicSearch
    } else if is(&["referral", "link"]) {
        Channel::Referral
    } else {
        return None;
    })
}

/// Classifies a landing: `url` the page the session began on, `referrer`
/// the document's referrer.
pub fn classify(url: &str, referrer: &str, at: u64) -> Touch {
    let query = query_of(url);
    let found = |name: &str| if query.is_empty() { None } else { param_in(query, name) };
    let param = |name: &str| found(name).unwrap_or_default();
    let site = host_of(url);
    let referrer_host = host_of(referrer);
    let mut touch = Touch {
        channel: None,
        source: param("utm_source").to_ascii_lowercase(),
        medium: param("utm_medium").to_ascii_lowercase(),
        campaign: param("utm_campaign"),
        term: param("utm_term"),
        content: param("utm_content"),
        referrer_host: referrer_host.clone(),
        landing_path: path_of(url).to_string(),
        at,
        ..Touch::default()
    };
    for (name, channel, source) in CLICK_IDS {
        if let Some(value) = found(name).filter(|v| !v.is_empty()) {
            touch.click_id = name.to_string();
            touch.click_id_value = value;
            touch.channel = Some(*channel);
            if touch.source.is_empty() {
                touch.source = source.to_string();
            }
            return touch;
        }
    }
    let source_social =
        lookup(&touch.source, SOCIAL_NETWORKS).is_some() || SOCIAL_NETWORKS.iter().any(|(_, n)| *n == touch.source);
    let source_search =
        lookup(&touch.source, SEARCH_ENGINES).is_some() || SEARCH_ENGINES.iter().any(|(_, n)| *n == touch.source);
    if !touch.medium.is_empty() {
        if let Some(channel) = medium_channel(&touch.medium, source_social) {
            touch.channel = Some(channel);
            return touch;
        }
    }
    if !touch.source.is_empty() {
        touch.channel = Some(if source_search {
            Channel::OrganicSearch
        } else if source_social {
            Channel::OrganicSocial
        } else if contains(&touch.source, "mail") || contains(&touch.source, "newsletter") {
            Channel::Email
        } else {
            Channel::Referral
        });
        return touch;
    }
    if let Some(value) = found("fbclid").filter(|v| !v.is_empty()) {
        touch.click_id = "fbclid".into();
        touch.click_id_value = value;
        touch.source = "facebook".into();
        touch.channel = Some(Channel::OrganicSocial);
        return touch;
    }
    let (channel, source) = if referrer_host.is_empty() {
        (Channel::Direct, None)
    } else if !site.is_empty() && same_site(&referrer_host, &site) {
        (Channel::Internal, None)
    } else if let Some(name) = lookup(&referrer_host, WEBMAIL) {
        (Channel::Email, Some(name))
    } else if let Some(name) = lookup(&referrer_host, SEARCH_ENGINES) {
        (Channel::OrganicSearch, Some(name))
    } else if let Some(name) = lookup(&referrer_host, SOCIAL_NETWORKS) {
        (Channel::OrganicSocial, Some(name))
    } else {
        (Channel::Referral, None)
    };
    touch.channel = Some(channel);
    touch.source = match (channel, source) {
        (_, Some(name)) => name.to_string(),
        (Channel::Referral, None) => referrer_host.clone(),
        _ => String::new(),
    };
    touch
}

/// `www.shop.example` and `shop.example` are the same site.
fn same_site(a: &str, b: &str) -> bool {
    let strip = |h: &str| h.strip_prefix("www.").unwrap_or(h).to_string();
    strip(a) == strip(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(url: &str, referrer: &str) -> (Channel, String) {
        let t = classify(url, referrer, 0);
        (t.channel(), t.source)
    }

    const SITE: &str = "https://shop.example/landing";

    #[test]
    fn referrers_are_classified_from_the_tables() {
        let cases = [
            ("", Channel::Direct, ""),
            ("https://www.google.com/", Channel::OrganicSearch, "google"),
            ("https://www.google.co.uk/search?q=x", Channel::OrganicSearch, "google"),
            ("https://www.bing.com/", Channel::OrganicSearch, "bing"),
            ("https://duckduckgo.com/", Channel::OrganicSearch, "duckduckgo"),
            ("https://yandex.ru/", Channel::OrganicSearch, "yandex"),
            ("https://l.facebook.com/l.php", Channel::OrganicSocial, "facebook"),
            ("https://t.co/abc", Channel::OrganicSocial, "twitter"),
            ("https://www.linkedin.com/feed", Channel::OrganicSocial, "linkedin"),
            ("https://mail.google.com/mail/u/0", Channel::Email, "gmail"),
            ("https://blog.example.org/post", Channel::Referral, "blog.example.org"),
            ("https://www.shop.example/pricing", Channel::Internal, ""),
            ("https://notgoogle.com/", Channel::Referral, "notgoogle.com"),
        ];
        for (referrer, expected, source) in cases {
            assert_eq!(channel(SITE, referrer), (expected, source.to_string()), "{referrer}");
        }
    }

    #[test]
    fn utm_tags_win_over_the_referrer() {
        let with = |q: &str| channel(&("https://shop.example/?".to_string() + q), "https://www.google.com/").0;
        assert_eq!(
            with("utm_source=newsletter&utm_medium=email&utm_campaign=spring"),
            Channel::Email
        );
        assert_eq!(with("utm_source=google&utm_medium=cpc"), Channel::PaidSearch);
        assert_eq!(with("utm_source=facebook&utm_medium=cpc"), Channel::PaidSocial);
        assert_eq!(with("utm_source=facebook&utm_medium=social"), Channel::OrganicSocial);
        assert_eq!(with("utm_source=partnerx&utm_medium=affiliate"), Channel::Affiliate);
        assert_eq!(with("utm_source=dv360&utm_medium=display"), Channel::Display);
        assert_eq!(with("utm_source=bing"), Channel::OrganicSearch);
        assert_eq!(with("utm_source=instagram"), Channel::OrganicSocial);
        assert_eq!(with("utm_source=somepartner"), Channel::Referral);
    }

    #[test]
    fn ad_click_ids_mark_paid_channels() {
        let with = |q: &str| classify(&("https://shop.example/?".to_string() + q), "", 0);
        for (q, expected, source) in [
            ("gclid=abc", Channel::PaidSearch, "google"),
            ("gbraid=abc", Channel::PaidSearch, "google"),
            ("wbraid=abc", Channel::PaidSearch, "google"),
            ("msclkid=abc", Channel::PaidSearch, "bing"),
            ("ttclid=abc", Channel::PaidSocial, "tiktok"),
            ("li_fat_id=abc", Channel::PaidSocial, "linkedin"),
            ("dclid=abc", Channel::Display, "google"),
            ("fbclid=abc", Channel::OrganicSocial, "facebook"),
        ] {
            let t = with(q);
            assert_eq!((t.channel(), t.source.as_str()), (expected, source), "{q}");
            assert_eq!(t.click_id_value, "abc");
            assert!(t.has_campaign());
        }
    }

    #[test]
    fn a_new_campaign_is_recognised() {
        let spring = classify(
            "https://s.example/?utm_source=nl&utm_medium=email&utm_campaign=spring",
            "",
            0,
        );
        let summer = classify(
            "https://s.example/?utm_source=nl&utm_medium=email&utm_campaign=summer",
            "",
            0,
        );
        let plain = classify("https://s.example/", "https://www.google.com/", 0);
        assert!(spring.is_new_campaign(&summer));
        assert!(!spring.is_new_campaign(&spring.clone()));
        assert!(
            !spring.is_new_campaign(&plain),
            "arriving without a campaign never splits a session"
        );
    }

    #[test]
    fn touches_round_trip_through_json() {
        let t = classify(
            "https://s.example/p?utm_source=nl&utm_medium=email&utm_campaign=spring%20sale",
            "",
            42,
        );
        let mut out = String::new();
        t.write_json(&mut out);
        assert_eq!(Touch::from_json(&crate::base::json::parse(&out).unwrap()), Some(t));
    }
}
