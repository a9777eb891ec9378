//! Checks of the command line's values that would otherwise start a
//! collector that is open, or that refuses the real site, without saying so.

/// Fewest characters of a key that guards reading, erasing or offline
/// touchpoints (`--admin-key`, `--server-key`): a short one is guessed.
pub const MIN_SECRET_CHARS: usize = 16;

/// A secret key given to `flag`: refused when shorter than
/// `MIN_SECRET_CHARS` (an empty key would let `Basic Og==` in).
pub fn secret_key(flag: &str, value: &str) -> Result<String, String> {
    if value.chars().count() < MIN_SECRET_CHARS || value.chars().any(char::is_whitespace) {
        return Err(format!(
            "{flag}: a key needs at least {MIN_SECRET_CHARS} characters and no spaces (got {}); \
             generate one, e.g. `openssl rand -hex 16`",
            value.chars().count()
        ));
    }
    Ok(value.to_string())
}

/// A write key (`--write-key`): what `init({ writeKey })` accepts, 1 to 64
/// letters, digits or `-_.:`, so that a key the SDK cannot send is refused here.
pub fn write_key(value: &str) -> Result<String, String> {
    if parcours_core::id::is_valid_client_id(value) {
        return Ok(value.to_string());
    }
    Err(format!(
        "--write-key: expected 1 to 64 letters, digits or -_.: (what init({{ writeKey }}) accepts), got {value:?}"
    ))
}

/// An origin for `--allow-origin`, as browsers send it in `Origin`:
/// `scheme://host[:port]`, lower case, no path. `https://shop.example/`
/// becomes `https://shop.example`; `*` allows any origin.
pub fn origin(value: &str) -> Result<String, String> {
    if value == "*" {
        return Ok(value.to_string());
    }
    let refuse = |why: &str| {
        Err(format!(
            "--allow-origin: {value:?} {why}; give the site's origin as the browser sends it, e.g. https://shop.example"
        ))
    };
    let lower = value.to_ascii_lowercase();
    let Some((scheme, rest)) = lower.split_once("://") else {
        return refuse("has no scheme");
    };
    if scheme != "https" && scheme != "http" {
        return refuse("is not http or https");
    }
    let host = rest.strip_suffix('/').unwrap_or(rest);
    if host.is_empty() || host.contains(['/', '?', '#', '@', ' ']) {
        return refuse("is not an origin (it has a path, a query or credentials)");
    }
    Ok(format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_or_empty_secret_keys_are_refused_with_the_minimum() {
        for short in ["", "a", "fifteen-chars15"] {
            let error = secret_key("--admin-key", short).unwrap_err();
            assert!(error.contains("at least 16 characters"), "{error}");
        }
        assert!(secret_key("--admin-key", "with a space in it").is_err());
        assert_eq!(
            secret_key("--admin-key", "0123456789abcdef").unwrap(),
            "0123456789abcdef"
        );
    }

    #[test]
    fn write_keys_are_what_the_sdk_can_send() {
        assert_eq!(write_key("site_1").unwrap(), "site_1");
        assert!(write_key("").unwrap_err().contains("1 to 64"));
        assert!(write_key("has space").is_err());
    }

    #[test]
    fn origins_are_normalised_or_refused_with_the_reason() {
        assert_eq!(origin("https://shop.example/").unwrap(), "https://shop.example");
        assert_eq!(
            origin("HTTPS://Shop.Example:8443").unwrap(),
            "https://shop.example:8443"
        );
        assert_eq!(origin("*").unwrap(), "*");
        assert!(origin("shop.example").unwrap_err().contains("has no scheme"));
        assert!(origin("ftp://shop.example").unwrap_err().contains("not http or https"));
        assert!(origin("https://shop.example/checkout")
            .unwrap_err()
            .contains("has a path"));
        assert!(origin("https://").is_err());
    }
}
