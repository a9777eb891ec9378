//! A survey's look: colours, radius, font and light/dark mode, read
//! strictly (colours as hex so their contrast can be checked), and the
//! WCAG 2.1 contrast check that warns when a custom theme is hard to read.
//!
//! The widget sets these as CSS custom properties on its host element
//! (`--parcours-brand`, …) from its own stylesheet; a site may also set them
//! in its stylesheet on `parcours-widget`, which themes every survey at
//! once, and a survey's own theme wins over that.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base::error::{expected, FieldError};
use crate::base::json::Value;

const CODE: &str = "invalid_survey";

/// Light, dark, or whichever `prefers-color-scheme` says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Auto,
    Light,
    Dark,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Auto => "auto",
            Mode::Light => "light",
            Mode::Dark => "dark",
        }
    }
}

/// An sRGB colour, kept as the site wrote it (`#0b57d0`) and as numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Colour {
    pub text: String,
    pub rgb: [u8; 3],
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Theme {
    pub brand: Option<Colour>,
    /// Text on the brand colour (selected options, the send button).
    pub on_brand: Option<Colour>,
    pub background: Option<Colour>,
    pub text: Option<Colour>,
    /// A CSS length: `12px`, `0.5rem`.
    pub radius: Option<String>,
    /// A CSS font-family list.
    pub font: Option<String>,
    pub mode: Mode,
}

/// The built-in palettes (background, text, brand, on brand), the widget
/// stylesheet's defaults, for contrast checks of a partial theme.
type Palette = [[u8; 3]; 4];
const LIGHT: Palette = [
    [0xff, 0xff, 0xff],
    [0x1a, 0x1a, 0x1a],
    [0x0b, 0x57, 0xd0],
    [0xff, 0xff, 0xff],
];
const DARK: Palette = [
    [0x1f, 0x1f, 0x1f],
    [0xf1, 0xf1, 0xf1],
    [0x8a, 0xb4, 0xf8],
    [0x0b, 0x1f, 0x3a],
];

impl Theme {
    /// Reads `theme` of a survey; `field` is its path for errors.
    pub fn parse(value: &Value, field: &str) -> Result<Theme, FieldError> {
        let Value::Object(fields) = value else {
            return Err(expected(CODE, field, "an object of theme settings", value));
        };
        let mut theme = Theme::default();
        for (key, value) in fields {
            let path = crate::base::error::field_path(field, key);
            match key.as_str() {
                "brand" => theme.brand = Some(colour(value, &path)?),
                "onBrand" => theme.on_brand = Some(colour(value, &path)?),
                "background" => theme.background = Some(colour(value, &path)?),
                "text" => theme.text = Some(colour(value, &path)?),
                "radius" => match value.as_str() {
                    Some(r) if is_length(r) => theme.radius = Some(r.to_string()),
                    _ => {
                        return Err(expected(
                            CODE,
                            path,
                            "a CSS length such as \"12px\" or \"0.5rem\"",
                            value,
                        ))
                    }
                },
                "font" => match value.as_str() {
                    // No characters that could end the declaration it is written into.
                    Some(f) if !f.is_empty() && f.len() <= 200 && !f.contains([';', '{', '}', '<', '\\']) => {
                        theme.font = Some(f.to_string())
                    }
                    _ => {
                        return Err(expected(
                            CODE,
                            path,
                            "a font-family list such as \"Inter, sans-serif\"",
                            value,
                        ))
                    }
                },
                "mode" => {
                    theme.mode = match value.as_str() {
                        Some("auto") => Mode::Auto,
                        Some("light") => Mode::Light,
                        Some("dark") => Mode::Dark,
                        _ => return Err(expected(CODE, path, "\"auto\", \"light\" or \"dark\"", value)),
                    }
                }
                _ => {
                    return Err(FieldError::new(CODE, path, "is not a theme setting")
                        .with_fix("Theme settings: brand, onBrand, background, text, radius, font, mode"))
                }
            }
        }
        Ok(theme)
    }

    /// Pairs of colours that fall below WCAG 2.1 AA, as console warnings:
    /// text on background and on the brand colour need 4.5:1, the brand
    /// colour against the background (the selected option's edge) 3:1.
    /// Checked in each mode the theme can show; silent for the built-in one.
    pub fn contrast_warnings(&self, field: &str) -> Vec<String> {
        let mut warnings = Vec::new();
        let modes: &[Palette] = match self.mode {
            Mode::Light => &[LIGHT],
            Mode::Dark => &[DARK],
            Mode::Auto => &[LIGHT, DARK],
        };
        let pick = |c: &Option<Colour>, default: [u8; 3]| c.as_ref().map_or(default, |c| c.rgb);
        // Only a pair the site chose part of is its to fix.
        let customised = |name: &str| match name {
            "text" => self.text.is_some(),
            "background" => self.background.is_some(),
            "brand" => self.brand.is_some(),
            _ => self.on_brand.is_some(),
        };
        for [background, text, brand, on_brand] in modes.iter().copied() {
            let background = pick(&self.background, background);
            let text = pick(&self.text, text);
            let brand = pick(&self.brand, brand);
            let on_brand = pick(&self.on_brand, on_brand);
            let checks = [
                ("text", "background", text, background, 45),
                ("onBrand", "brand", on_brand, brand, 45),
                ("brand", "background", brand, background, 30),
            ];
            for (front, back, a, b, needed) in checks {
                let ratio = contrast_tenths(a, b);
                if ratio < needed && (customised(front) || customised(back)) {
                    let mut w = String::from(field);
                    w.push_str(": ");
                    w.push_str(front);
                    w.push_str(" on ");
                    w.push_str(back);
                    w.push_str(" has a contrast of ");
                    push_tenths(&mut w, ratio);
                    w.push_str(":1, below the ");
                    push_tenths(&mut w, needed);
                    w.push_str(
                        ":1 WCAG AA asks for; the survey is shown, but some visitors will not be able to read it",
                    );
                    if !warnings.contains(&w) {
                        warnings.push(w);
                    }
                }
            }
        }
        warnings
    }

    /// The custom properties the widget sets on its host, as a rule of its
    /// stylesheet (`:host{--parcours-brand:#0b57d0!important}`), or nothing
    /// for the default theme. Every value was checked when it was read, so
    /// none can end the rule. In the stylesheet rather than on the element's
    /// `style`: a strict CSP that allows the widget's sheet allows this too.
    /// `!important` makes the survey's theme win over the page's rules.
    pub fn write_css(&self, out: &mut String) {
        let colours = [
            ("--parcours-brand", &self.brand),
            ("--parcours-on-brand", &self.on_brand),
            ("--parcours-background", &self.background),
            ("--parcours-text", &self.text),
        ];
        let colours = colours.into_iter().map(|(name, c)| (name, c.as_ref().map(|c| &c.text)));
        let others = [
            ("--parcours-radius", self.radius.as_ref()),
            ("--parcours-font-family", self.font.as_ref()),
        ];
        for (name, value) in colours.chain(others) {
            let Some(value) = value else { continue };
            out.push_str(if out.is_empty() { ":host{" } else { ";" });
            out.push_str(name);
            out.push(':');
            out.push_str(value);
            out.push_str("!important");
        }
        if !out.is_empty() {
            out.push('}');
        }
    }
}

fn colour(value: &Value, field: &str) -> Result<Colour, FieldError> {
    let rgb = value.as_str().and_then(parse_hex);
    match rgb {
        Some(rgb) => Ok(Colour {
            text: value.as_str().unwrap_or_default().to_string(),
            rgb,
        }),
        None => Err(
            expected(CODE, field, "a hex colour such as \"#0b57d0\" or \"#fff\"", value)
                .with_fix("Hex colours let Parcours check their contrast"),
        ),
    }
}

fn parse_hex(text: &str) -> Option<[u8; 3]> {
    let digits = text.strip_prefix('#')?;
    let nibble = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = digits.as_bytes();
    match bytes.len() {
        3 => {
            let mut rgb = [0; 3];
            for (i, b) in bytes.iter().enumerate() {
                rgb[i] = nibble(*b)? * 17;
            }
            Some(rgb)
        }
        6 => {
            let mut rgb = [0; 3];
            for i in 0..3 {
                rgb[i] = nibble(bytes[2 * i])? * 16 + nibble(bytes[2 * i + 1])?;
            }
            Some(rgb)
        }
        _ => None,
    }
}

fn is_length(text: &str) -> bool {
    // Bytes, not str slicing: no char-boundary panic path in the wasm.
    let bytes = text.as_bytes();
    let split = bytes
        .iter()
        .position(|b| !(b.is_ascii_digit() || *b == b'.'))
        .unwrap_or(bytes.len());
    let (number, unit) = bytes.split_at(split);
    (1..=6).contains(&number.len()) && [&b"px"[..], b"rem", b"em", b"%"].contains(&unit)
}

/// WCAG 2.1 contrast ratio of two colours, in tenths, rounded down (so
/// 4.49 is 44: below 4.5, as the guideline means).
pub fn contrast_tenths(a: [u8; 3], b: [u8; 3]) -> u64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    ((hi + 0.05) / (lo + 0.05) * 10.0) as u64
}

/// Relative luminance (WCAG 2.1), without `powf` (the core is `no_std`).
fn luminance(rgb: [u8; 3]) -> f64 {
    let linear = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            pow_2_4((c + 0.055) / 1.055)
        }
    };
    0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
}

/// x^2.4 for x in (0, 1]: x² times the fifth root of x², by Newton's method.
fn pow_2_4(x: f64) -> f64 {
    let square = x * x;
    let mut root = 1.0;
    for _ in 0..40 {
        let r4 = root * root * root * root;
        root = (4.0 * root + square / r4) / 5.0;
    }
    square * root
}

fn push_tenths(out: &mut String, tenths: u64) {
    crate::base::num::push_u64(out, tenths / 10);
    out.push('.');
    crate::base::num::push_u64(out, tenths % 10);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::json::parse;

    fn theme(json: &str) -> Result<Theme, FieldError> {
        Theme::parse(&parse(json).unwrap(), "surveys[\"a\"].theme")
    }

    #[test]
    fn contrast_matches_the_wcag_reference_values() {
        assert_eq!(contrast_tenths([0, 0, 0], [255, 255, 255]), 210);
        assert_eq!(contrast_tenths([255, 255, 255], [255, 255, 255]), 10);
        // #767676 on white is the classic 4.54:1, just passing.
        assert_eq!(contrast_tenths([0x76, 0x76, 0x76], [255, 255, 255]), 45);
        // #777777 on white is 4.48:1, just failing.
        assert_eq!(contrast_tenths([0x77, 0x77, 0x77], [255, 255, 255]), 44);
        assert!((pow_2_4(0.5) - 0.189_464_571_8).abs() < 1e-9);
    }

    #[test]
    fn the_built_in_palette_passes_in_both_modes() {
        for [background, text, brand, on_brand] in [LIGHT, DARK] {
            assert!(contrast_tenths(text, background) >= 45);
            assert!(contrast_tenths(brand, background) >= 30);
            assert!(contrast_tenths(on_brand, brand) >= 45);
        }
        assert!(Theme::default().contrast_warnings("t").is_empty());
    }

    #[test]
    fn a_hard_to_read_theme_is_named_with_its_ratio() {
        let yellow = theme(r##"{"brand":"#ffcc00","mode":"light"}"##).unwrap();
        let warnings = yellow.contrast_warnings("surveys[\"a\"].theme");
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("surveys[\"a\"].theme: onBrand on brand has a contrast of 1.5:1")),
            "{warnings:?}"
        );
        let fine = theme(r##"{"brand":"#0b57d0","text":"#222","background":"#fafafa","mode":"light"}"##).unwrap();
        assert!(fine.contrast_warnings("t").is_empty());
    }

    #[test]
    fn bad_settings_are_refused_with_their_field() {
        let field = |json: &str| theme(json).unwrap_err().field;
        assert_eq!(field(r#"{"brand":"blue"}"#), "surveys[\"a\"].theme.brand");
        assert_eq!(field(r##"{"text":"#12345"}"##), "surveys[\"a\"].theme.text");
        assert_eq!(field(r#"{"radius":"12"}"#), "surveys[\"a\"].theme.radius");
        assert_eq!(field(r#"{"font":"x;}body{color:red"}"#), "surveys[\"a\"].theme.font");
        assert_eq!(field(r#"{"mode":"night"}"#), "surveys[\"a\"].theme.mode");
        assert_eq!(field(r##"{"colour":"#fff"}"##), "surveys[\"a\"].theme.colour");
        let ok = theme(r##"{"brand":"#0B57D0","radius":"0.5rem","font":"Inter, sans-serif","mode":"dark"}"##).unwrap();
        assert_eq!(ok.brand.as_ref().unwrap().rgb, [0x0b, 0x57, 0xd0]);
        assert_eq!(ok.mode, Mode::Dark);
        let mut css = String::new();
        ok.write_css(&mut css);
        assert_eq!(
            css,
            ":host{--parcours-brand:#0B57D0!important;--parcours-radius:0.5rem!important;\
             --parcours-font-family:Inter, sans-serif!important}"
        );
        let mut none = String::new();
        Theme::default().write_css(&mut none);
        assert_eq!(none, "", "the default theme adds no rule");
    }
}
