//! The Parcours feedback widget: draws a survey into a Shadow DOM root,
//! one step at a time. Loaded only when a survey is about to be shown, so a
//! page without one downloads none of it.
//!
//! It is a renderer. Every text, option and accessible name comes in plans
//! written by `parcours_core::surveys::prompt` in the SDK's module (already
//! validated, already translated); every answer goes back there. Site text
//! is set with `textContent`, never as HTML. Like the SDK's core it owns no
//! listener: the host script forwards clicks and keys (`act`) and acts on
//! the code returned, so a trap here cannot throw into the page.
//!
//! Written for size (it is downloaded when a survey shows): elements are
//! made by one function from tables of attributes, and the few DOM calls it
//! needs are the only ones imported.

#![cfg_attr(all(feature = "bundle", target_arch = "wasm32"), no_std)]

extern crate alloc;

mod style;

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlElement, Node, ShadowRoot, ShadowRootInit, ShadowRootMode};

// The SDK's allocator, and a panic handler that traps: the host script
// catches the trap and closes the survey.
parcours_core::bundle_runtime!();

/// What `act` asks the host script to do.
pub const NOTHING: u8 = 0;
/// Send the current answer (`value`, `text`) to the SDK.
pub const SUBMIT: u8 = 1;
/// Close the survey (a dismissal unless it was completed).
pub const CLOSE: u8 = 2;
/// The "Feedback" tab was pressed: open the survey.
pub const OPEN: u8 = 3;
/// Skip an optional question.
pub const SKIP: u8 = 4;
/// Added to a code when the event's default must be prevented.
pub const PREVENT: u8 = 8;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scale,
    Text,
    Thanks,
}

#[wasm_bindgen]
pub struct Widget {
    document: Document,
    host: HtmlElement,
    root: ShadowRoot,
    /// The card the steps are drawn into.
    card: HtmlElement,
    /// The card's name (the survey's label), also said by the live region.
    label: String,
    /// A polite live region: a card that does not take focus is announced.
    live: HtmlElement,
    /// The tab that opens the survey (placement `tab`), hidden once open.
    tab: Option<HtmlElement>,
    /// False while a tab waits to be pressed: the card is not shown yet.
    shown: bool,
    modal: bool,
    rtl: bool,
    kind: Kind,
    stars: bool,
    options: Vec<(u32, HtmlElement)>,
    /// The step's other controls in tab order (text box, skip, send, close).
    controls: Vec<HtmlElement>,
    selected: Option<u32>,
    area: Option<HtmlElement>,
    error: Option<HtmlElement>,
    required: String,
    /// The close button's accessible name ("Close", "Fermer").
    close_label: String,
    /// Where focus was before a modal took it, to give it back on close.
    return_focus: Option<HtmlElement>,
}

#[wasm_bindgen]
impl Widget {
    /// Creates the host element and its shadow root from a frame plan
    /// (`prompt::frame_json`): placement, direction, theme, strings.
    /// `nonce` goes on the style element for a strict CSP. An inline
    /// survey whose `target` matches nothing throws an error naming it.
    #[wasm_bindgen(constructor)]
    pub fn new(document: Document, frame: &JsValue, nonce: &str) -> Widget {
        let placement = prop_text(frame, "placement");
        let parent: Node = if placement == "inline" {
            let target = prop_text(frame, "target");
            match document.query_selector(&target).ok().flatten() {
                Some(element) => element.into(),
                None => {
                    let mut message = String::from("surveys[\"");
                    message.push_str(&prop_text(frame, "survey"));
                    message.push_str("\"].target: ");
                    message.push_str(&target);
                    message.push_str(" matches no element on this page; the survey was not shown");
                    wasm_bindgen::throw_str(&message)
                }
            }
        } else {
            let body = prop(&document, "body");
            if body.is_falsy() {
                wasm_bindgen::throw_str("the page has no body yet")
            }
            body.unchecked_into()
        };
        let host = create(&document, "parcours-widget");
        let mode = prop_text(frame, "mode");
        if mode != "auto" {
            set(&host, "data-mode", &mode);
        }
        let root = ok(host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)));
        // The nonce is set before the sheet joins the tree, which a CSP checks.
        // The survey's theme is a last rule (`theme::write_css`).
        let sheet = String::from(style::STYLE) + &prop_text(frame, "theme");
        add(&document, &root, "style", &[("nonce", nonce)], &sheet);
        let live = add(&document, &root, "div", &[("class", "sr"), ("aria-live", "polite")], "");

        let modal = prop(frame, "modal").is_truthy();
        let rtl = prop_text(frame, "dir") == "rtl";
        let dir = if rtl { "rtl" } else { "ltr" };
        let tab = placement == "tab";
        let label = prop_text(frame, "label");
        let class = match placement.as_str() {
            "modal" | "inline" => "card",
            "bottom-left" => "card float bl",
            "top-right" => "card float tr",
            "top-left" => "card float tl",
            "center" => "card float c",
            _ if tab => "card float br wait",
            _ => "card float br", // bottom-right
        };
        let card_parent: Node = if modal {
            add(
                &document,
                &root,
                "div",
                &[("class", "overlay"), ("part", "overlay")],
                "",
            )
            .into()
        } else {
            root.clone().into()
        };
        // A card beside the page's content is a landmark, not a dialog, so it
        // does not claim focus; the live region announces it.
        let role = if modal { "dialog" } else { "region" };
        let card = add(
            &document,
            &card_parent,
            "div",
            &[
                ("class", class),
                ("part", "card"),
                ("lang", &prop_text(frame, "lang")),
                ("dir", dir),
                ("aria-label", &label),
                ("role", role),
            ],
            "",
        );
        if modal {
            set(&card, "aria-modal", "true");
        }
        let tab = tab.then(|| {
            add(
                &document,
                &root,
                "button",
                &[
                    ("type", "button"),
                    ("class", "tab"),
                    ("data-act", "open"),
                    ("part", "tab"),
                    ("dir", dir),
                    ("aria-expanded", "false"),
                ],
                &label,
            )
        });
        let return_focus = if modal { focused(&document) } else { None };
        let _ = parent.append_child(&host);
        Widget {
            document,
            host,
            root,
            card,
            label,
            live,
            shown: tab.is_none(),
            tab,
            modal,
            rtl,
            kind: Kind::Thanks,
            stars: false,
            options: Vec::new(),
            controls: Vec::new(),
            selected: None,
            area: None,
            error: None,
            required: String::new(),
            close_label: prop_text(frame, "close"),
            return_focus,
        }
    }

    /// Draws a step plan (`prompt::step_json`): a scale, a free-text
    /// question or the thanks. Focus moves into it when it was inside
    /// already (keyboard answering) or the survey is modal.
    pub fn step(&mut self, step: &JsValue) {
        let had_focus = focused(&self.root).is_some();
        let doc = &self.document.clone();
        let card = &self.card.clone();
        card.set_text_content(None);
        self.options.clear();
        self.controls.clear();
        self.selected = None;
        self.area = None;
        self.error = None;
        set(card, "aria-labelledby", "parcours-q");
        let asked = prop_text(step, "text");
        let question = add(
            doc,
            card,
            "p",
            &[("id", "parcours-q"), ("class", "q"), ("part", "question")],
            &asked,
        );
        let optional = prop(step, "optional").is_truthy();
        self.kind = match prop_text(step, "kind").as_str() {
            "scale" => Kind::Scale,
            "text" => Kind::Text,
            _ => Kind::Thanks,
        };
        match self.kind {
            Kind::Scale => self.draw_scale(step, optional),
            Kind::Text => {
                let area = add(
                    doc,
                    card,
                    "textarea",
                    &[
                        ("aria-labelledby", "parcours-q"),
                        ("part", "text"),
                        ("maxlength", "1000"),
                        ("rows", "3"),
                        ("placeholder", &prop_text(step, "placeholder")),
                    ],
                    "",
                );
                self.controls.push(area.clone());
                self.area = Some(area);
            }
            Kind::Thanks => set(&question, "role", "status"),
        }
        if self.kind != Kind::Thanks {
            let error = [("id", "parcours-err"), ("class", "err"), ("role", "alert")];
            self.error = Some(add(doc, card, "p", &error, ""));
            let row = add(doc, card, "div", &[("class", "row")], "");
            if optional {
                let skip = [
                    ("type", "button"),
                    ("class", "skip"),
                    ("data-act", "skip"),
                    ("part", "skip"),
                ];
                self.controls
                    .push(add(doc, &row, "button", &skip, &prop_text(step, "skip")));
            }
            let send = [
                ("type", "button"),
                ("class", "send"),
                ("data-act", "submit"),
                ("part", "submit"),
            ];
            self.controls
                .push(add(doc, &row, "button", &send, &prop_text(step, "submit")));
        }
        // The close button last in the DOM (first stop after the answer), drawn in the corner.
        let close = [
            ("type", "button"),
            ("class", "x"),
            ("data-act", "close"),
            ("part", "close"),
            ("aria-label", &self.close_label),
        ];
        self.controls.push(add(doc, card, "button", &close, "×"));
        if self.modal || had_focus {
            self.focus_first();
        } else if self.shown {
            self.announce(&asked);
        }
    }

    fn draw_scale(&mut self, step: &JsValue, optional: bool) {
        let doc = &self.document.clone();
        let style = prop_text(step, "style");
        self.stars = style == "stars";
        self.required = prop_text(step, "required");
        let class = String::from("scale ") + &style + " " + &prop_text(step, "type");
        let group = [
            ("class", class.as_str()),
            ("role", "radiogroup"),
            ("aria-labelledby", "parcours-q"),
            ("aria-required", if optional { "false" } else { "true" }),
            ("part", "scale"),
        ];
        let group = add(doc, &self.card, "div", &group, "");
        let options = prop(step, "options");
        for index in 0.. {
            let option = prop(&options, &text_of_u32(index));
            if option.is_falsy() {
                break;
            }
            let value = prop(&option, "v").as_f64().unwrap_or(0.0) as u32;
            let attributes = [
                ("type", "button"),
                ("class", "o"),
                ("role", "radio"),
                ("part", "option"),
                ("aria-label", &prop_text(&option, "name")),
                ("data-value", &text_of_u32(value)),
            ];
            let button = add(doc, &group, "button", &attributes, &prop_text(&option, "face"));
            self.options.push((value, button));
        }
        // The options' names say what the ends say.
        let ends = add(
            doc,
            &self.card,
            "div",
            &[("class", "ends"), ("aria-hidden", "true")],
            "",
        );
        for key in ["low", "high"] {
            add(doc, &ends, "span", &[], &prop_text(step, key));
        }
        self.mark();
    }

    /// Reflects the choice: `aria-checked`, one tab stop (the checked
    /// option, else the first), and filled stars up to the choice.
    fn mark(&self) {
        let stop = self.tab_stop();
        for (value, option) in &self.options {
            let checked = self.selected == Some(*value);
            set(option, "aria-checked", if checked { "true" } else { "false" });
            set(option, "tabindex", if stop == Some(*value) { "0" } else { "-1" });
            if self.stars {
                let on = self.selected.is_some_and(|s| *value <= s);
                set(option, "class", if on { "o on" } else { "o" });
                option.set_text_content(Some(if on { "★" } else { "☆" }));
            }
        }
    }

    /// The value of the scale's one tab stop: the checked option, else the first.
    fn tab_stop(&self) -> Option<u32> {
        self.selected.or(self.options.first().map(|(v, _)| *v))
    }

    fn select(&mut self, value: u32, focus: bool) {
        self.selected = Some(value);
        self.mark();
        if let Some(error) = &self.error {
            error.set_text_content(None);
        }
        if focus {
            self.focus_first();
        }
    }

    /// Handles a visitor's event on the widget: `kind` is `click` or
    /// `key`; `target` the event's innermost target (`composedPath()[0]`,
    /// always the element itself: the controls hold nothing but text).
    /// Returns what the host script must do (see the codes above).
    pub fn act(&mut self, kind: &str, target: &JsValue, key: &str, shift: bool) -> u8 {
        let Some(target) = target.dyn_ref::<Element>() else {
            return NOTHING;
        };
        let value = target.get_attribute("data-value");
        if kind == "click" {
            if let Some(value) = value {
                self.select(parse_u32(&value), false);
                return NOTHING;
            }
            return match target.get_attribute("data-act").as_deref() {
                Some("submit") => SUBMIT,
                Some("close") => CLOSE,
                Some("skip") => SKIP,
                Some("open") => OPEN,
                _ => NOTHING,
            };
        }
        match key {
            "Escape" if self.shown => CLOSE,
            "Tab" if self.modal => self.trap(shift),
            "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown" | "Home" | "End" if value.is_some() => {
                let forward = match key {
                    // Left is "back" in a left-to-right layout and "forward" in a mirrored one.
                    "ArrowRight" => !self.rtl,
                    "ArrowLeft" => self.rtl,
                    _ => key == "ArrowDown",
                };
                let (Some((first, _)), Some((last, _))) = (self.options.first(), self.options.last()) else {
                    return NOTHING;
                };
                let (first, last) = (*first, *last);
                let next = match (key, self.selected) {
                    ("Home", _) => first,
                    ("End", _) => last,
                    // Nothing chosen yet: from the tab stop (the first option), as a native group does.
                    (_, None) if forward => self.options.get(1).map_or(first, |(v, _)| *v),
                    (_, None) => last,
                    // Arrows wrap around, as in a native radio group.
                    (_, Some(v)) if forward && v >= last => first,
                    (_, Some(v)) if forward => v + 1,
                    (_, Some(v)) if v <= first => last,
                    (_, Some(v)) => v - 1,
                };
                self.select(next, true);
                PREVENT
            }
            _ => NOTHING,
        }
    }

    /// Keeps Tab inside a modal: from the last control to the first and back.
    fn trap(&self, shift: bool) -> u8 {
        let (Some(first), Some(last)) = (self.first_control(), self.controls.last()) else {
            return NOTHING;
        };
        let (edge, other) = if shift { (&first, last) } else { (last, &first) };
        let active = focused(&self.root);
        if active.as_ref().is_none_or(|a| a == edge) {
            let _ = other.focus();
            return PREVENT;
        }
        NOTHING
    }

    /// The chosen value on the scale, or -1.
    pub fn value(&self) -> i32 {
        self.selected.map_or(-1, |v| v as i32)
    }

    /// What was typed in a free-text question.
    pub fn text(&self) -> String {
        self.area.as_ref().map(|a| prop_text(a, "value")).unwrap_or_default()
    }

    /// Says why the answer was not taken (a required choice is missing),
    /// in the card and to screen readers (`role=alert`).
    pub fn refuse(&self) {
        if let Some(error) = &self.error {
            error.set_text_content(Some(&self.required));
            self.focus_first();
        }
    }

    /// Shows the card a "Feedback" tab opens.
    pub fn open(&mut self) {
        if let Some(tab) = &self.tab {
            set(tab, "aria-expanded", "true");
            set(tab, "hidden", "");
            set(&self.card, "class", "card float br");
            self.shown = true;
            self.focus_first();
        }
    }

    /// Whether this is a tab not yet opened.
    pub fn waiting(&self) -> bool {
        !self.shown
    }

    /// Whether the thank-you step is showing.
    pub fn thanked(&self) -> bool {
        self.kind == Kind::Thanks
    }

    /// Removes the widget; a modal gives focus back where it was.
    pub fn close(&mut self) {
        let had_focus = focused(&self.root).is_some();
        self.host.remove();
        if let Some(previous) = self.return_focus.take() {
            if had_focus || self.modal {
                let _ = previous.focus();
            }
        }
    }

    /// The host element (`<parcours-widget>`), for the host script's listeners.
    pub fn host(&self) -> HtmlElement {
        self.host.clone()
    }

    /// The first stop of the step: the scale's tab stop, else its first control.
    fn first_control(&self) -> Option<HtmlElement> {
        let stop = self.tab_stop();
        let option = self.options.iter().find(|(v, _)| Some(*v) == stop);
        option.map(|(_, o)| o).or(self.controls.first()).cloned()
    }

    fn focus_first(&self) {
        if let Some(first) = self.first_control() {
            let _ = first.focus();
        }
    }

    fn announce(&self, message: &str) {
        let spoken = self.label.clone() + ": " + message;
        self.live.set_text_content(Some(&spoken));
    }
}

/// `object[key]`, or undefined.
fn prop(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// The focused element of a document or shadow root. Read as a property:
/// one import serves both, and a focusable SVG element has focus() too.
fn focused(node: &JsValue) -> Option<HtmlElement> {
    let active = prop(node, "activeElement");
    (!active.is_falsy()).then(|| active.unchecked_into())
}

/// `object[key]` as a string, or "".
fn prop_text(object: &JsValue, key: &str) -> String {
    prop(object, key).as_string().unwrap_or_default()
}

/// The value of a DOM call that cannot fail with the arguments given here;
/// if it ever does, the error is thrown to the host script, which closes
/// the survey.
fn ok<T>(result: Result<T, JsValue>) -> T {
    result.unwrap_or_else(|error| wasm_bindgen::throw_val(error))
}

/// Sets an attribute whose name is one of this file's constants (so valid).
#[inline(never)]
fn set(element: &Element, name: &str, value: &str) {
    let _ = element.set_attribute(name, value);
}

/// Creates an HTML element (`tag` is one of this file's constants).
#[inline(never)]
fn create(document: &Document, tag: &str) -> HtmlElement {
    ok(document.create_element(tag)).unchecked_into()
}

/// Creates `tag` with its attributes and text, then appends it to `parent`.
#[inline(never)]
fn add(document: &Document, parent: &Node, tag: &str, attributes: &[(&str, &str)], text: &str) -> HtmlElement {
    let element = create(document, tag);
    for (name, value) in attributes {
        set(&element, name, value);
    }
    if !text.is_empty() {
        element.set_text_content(Some(text));
    }
    let _ = parent.append_child(&element);
    element
}

/// `value` in decimal (the core's number writer is larger than this module needs).
fn text_of_u32(mut value: u32) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(b'0' + (value % 10) as u8);
        value /= 10;
        if value == 0 {
            break;
        }
    }
    digits.iter().rev().map(|&d| d as char).collect()
}

fn parse_u32(text: &str) -> u32 {
    text.bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0u32, |n, b| n.saturating_mul(10).saturating_add((b - b'0') as u32))
}
