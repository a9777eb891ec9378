//! Just enough URL reading for the journey: host, path and query parameters
//! (percent-decoded). Byte scanning, not `str::find`: the pattern searcher is
//! large in the wasm bundle.

#[allow(unused_imports)]
use crate::prelude::*;

fn after_scheme(url: &str) -> Option<&str> {
    let bytes = url.as_bytes();
    let at = bytes.windows(3).position(|w| w == b"://")?;
    url.get(at + 3..)
}

/// The host of an absolute URL, lower-cased, without port or credentials;
/// empty for a relative URL.
pub fn host_of(url: &str) -> String {
    let Some(rest) = after_scheme(url) else {
        return String::new();
    };
    let end = rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let authority = rest.get(..end).unwrap_or_default();
    let host_port = match authority.bytes().rposition(|b| b == b'@') {
        Some(at) => authority.get(at + 1..).unwrap_or_default(),
        None => authority,
    };
    let host = match host_port.bytes().rposition(|b| b == b':') {
        Some(colon) if !host_port.ends_with(']') => host_port.get(..colon).unwrap_or_default(),
        _ => host_port,
    };
    host.to_ascii_lowercase()
}

/// The path of a URL: what follows the host, without query or fragment.
pub fn path_of(url: &str) -> &str {
    let bytes = url.as_bytes();
    let mut start = 0;
    if let Some(scheme_end) = bytes.windows(3).position(|w| w == b"://") {
        let host_start = scheme_end + 3;
        start = bytes
            .get(host_start..)
            .unwrap_or_default()
            .iter()
            .position(|&b| matches!(b, b'/' | b'?' | b'#'))
            .map_or(bytes.len(), |i| host_start + i);
    }
    let end = bytes
        .get(start..)
        .unwrap_or_default()
        .iter()
        .position(|&b| b == b'?' || b == b'#')
        .map_or(bytes.len(), |i| start + i);
    match url.get(start..end) {
        Some(path) if path.starts_with('/') => path,
        _ => "/",
    }
}

/// The query string of a URL (without `?` and fragment), or empty.
pub fn query_of(url: &str) -> &str {
    let Some(q) = url.bytes().position(|b| b == b'?') else {
        return "";
    };
    let rest = url.get(q + 1..).unwrap_or_default();
    let end = rest.bytes().position(|b| b == b'#').unwrap_or(rest.len());
    rest.get(..end).unwrap_or_default()
}

/// The percent-decoded value of query parameter `name` (first occurrence).
pub fn query_param(url: &str, name: &str) -> Option<String> {
    param_in(query_of(url), name)
}

/// `query_param` on a query already cut out with `query_of`: for looking up
/// several names in one URL without finding its query each time.
pub fn param_in(query: &str, name: &str) -> Option<String> {
    split_on(query, b'&').find_map(|pair| {
        let (key, value) = match pair.bytes().position(|b| b == b'=') {
            Some(eq) => (pair.get(..eq)?, pair.get(eq + 1..)?),
            None => (pair, ""),
        };
        // Keys are rarely encoded: decode one only when it has to be.
        let matches = key == name || (key.bytes().any(|b| b == b'%' || b == b'+') && decode(key) == name);
        matches.then(|| decode(value))
    })
}

/// Percent-decoding with `+` as space; invalid escapes are kept as written.
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |at: usize| bytes.get(at).and_then(|h| (*h as char).to_digit(16));
        match b {
            b'+' => out.push(b' '),
            b'%' => match (hex(i + 1), hex(i + 2)) {
                (Some(hi), Some(lo)) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Whether `haystack` contains `needle` (bytes; no pattern searcher).
pub fn contains(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len().max(1))
        .any(|w| w == needle.as_bytes())
}

/// The pieces of `text` between `sep` bytes, as `&str` (sep must be ASCII).
pub fn split_on(text: &str, sep: u8) -> impl Iterator<Item = &str> {
    text.as_bytes()
        .split(move |&b| b == sep)
        .map(|part| core::str::from_utf8(part).unwrap_or_default())
}

/// Whether `host` is `domain` or one of its subdomains.
pub fn host_is(host: &str, domain: &str) -> bool {
    host == domain || (host.ends_with(domain) && host.as_bytes().get(host.len() - domain.len() - 1) == Some(&b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_host_path_and_query() {
        let url = "https://user:pw@WWW.Shop.example:8443/a/b?utm_source=News%20letter&x=1+2#top";
        assert_eq!(host_of(url), "www.shop.example");
        assert_eq!(path_of(url), "/a/b");
        assert_eq!(query_of(url), "utm_source=News%20letter&x=1+2");
        assert_eq!(query_param(url, "utm_source").as_deref(), Some("News letter"));
        assert_eq!(query_param(url, "x").as_deref(), Some("1 2"));
        assert_eq!(query_param(url, "y"), None);
        assert_eq!(host_of("/relative?x"), "");
        assert_eq!(host_of("http://[::1]:8080/"), "[::1]");
    }

    #[test]
    fn path_ignores_origin_query_and_fragment() {
        assert_eq!(path_of("https://shop.example/pricing?utm_source=x#top"), "/pricing");
        assert_eq!(path_of("https://shop.example"), "/");
        assert_eq!(path_of("https://shop.example?x=1"), "/");
        assert_eq!(path_of("/checkout/pay?step=2"), "/checkout/pay");
    }

    #[test]
    fn decoding_keeps_invalid_escapes() {
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz%41"), "%zzA");
        assert_eq!(decode("caf%C3%A9"), "café");
    }

    #[test]
    fn host_matching_respects_label_boundaries() {
        assert!(host_is("www.google.com", "google.com"));
        assert!(host_is("google.com", "google.com"));
        assert!(!host_is("notgoogle.com", "google.com"));
    }
}
