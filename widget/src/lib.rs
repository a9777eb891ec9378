//! The Parcours feedback widget: draws a survey into a Shadow DOM root,
//! one step at a time. Loaded only when a survey is about to be shown, so a
//! page without one downloads none of it.
//!
//! It is a renderer. Every text, option and accessible name comes in plans
//! written by `parcours_core::prompt` in the SDK's module (already
//! validated, already translated); every answer goes back there. Site text
//! is set with `textContent`, never as HTML. Like the SDK's core it owns no
//! listener: the host script forwards clicks and keys (`act`) and acts on
//! the code returned, so a trap here cannot throw into the page.

#![cfg_attr(all(feature = "bundle", target_arch = "wasm32"), no_std)]

extern crate alloc;

mod style;

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlElement, HtmlTextAreaElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

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
    card: Element,
    /// A polite live region: a card that does not take focus is announced.
    live: Element,
    /// The tab that opens the survey (placement `tab`), hidden once open.
    tab: Option<Element>,
    modal: bool,
    rtl: bool,
    kind: Kind,
    stars: bool,
    options: Vec<(u32, Element)>,
    selected: Option<u32>,
    area: Option<HtmlTextAreaElement>,
    error: Option<Element>,
    required: String,
    /// The close button's accessible name ("Close", "Fermer").
    close_label: String,
    /// Where focus was before a modal took it, to give it back on close.
    return_focus: Option<HtmlElement>,
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn text(object: &JsValue, key: &str) -> String {
    get(object, key).as_string().unwrap_or_default()
}

#[wasm_bindgen]
impl Widget {
    /// Creates the host element and its shadow root from a frame plan
    /// (`prompt::frame_json`): placement, direction, theme, strings.
    /// `nonce` goes on the style element for a strict CSP. An inline
    /// survey whose `target` matches nothing is an error naming it.
    #[wasm_bindgen(constructor)]
    pub fn new(document: Document, frame: &JsValue, nonce: &str) -> Result<Widget, JsValue> {
        let placement = text(frame, "placement");
        let parent: Element = if placement == "inline" {
            let target = text(frame, "target");
            match document.query_selector(&target).ok().flatten() {
                Some(element) => element,
                None => {
                    let mut message = String::from("surveys[\"");
                    message.push_str(&text(frame, "survey"));
                    message.push_str("\"].target: ");
                    message.push_str(&target);
                    message.push_str(" matches no element on this page; the survey was not shown");
                    return Err(JsValue::from_str(&message));
                }
            }
        } else {
            document
                .body()
                .ok_or_else(|| JsValue::from_str("the page has no body yet"))?
                .into()
        };
        let host: HtmlElement = document.create_element("parcours-widget")?.unchecked_into();
        let theme = get(frame, "theme");
        let style = host.style();
        for name in [
            "--parcours-brand",
            "--parcours-on-brand",
            "--parcours-background",
            "--parcours-text",
            "--parcours-radius",
            "--parcours-font-family",
        ] {
            if let Some(value) = get(&theme, name).as_string() {
                // Through the CSSOM, which a strict style-src allows.
                style.set_property(name, &value)?;
            }
        }
        let mode = text(frame, "mode");
        if mode != "auto" {
            host.set_attribute("data-mode", &mode)?;
        }
        let init = ShadowRootInit::new(ShadowRootMode::Open);
        let root = host.attach_shadow(&init)?;
        let sheet = document.create_element("style")?;
        if !nonce.is_empty() {
            sheet.set_attribute("nonce", nonce)?;
        }
        sheet.set_text_content(Some(style::STYLE));
        root.append_child(&sheet)?;
        let live = element(&document, "div", "sr")?;
        live.set_attribute("aria-live", "polite")?;
        root.append_child(&live)?;

        let modal = frame_flag(frame, "modal");
        let rtl = text(frame, "dir") == "rtl";
        let card = element(&document, "div", "card")?;
        card.set_attribute("part", "card")?;
        card.set_attribute("lang", &text(frame, "lang"))?;
        card.set_attribute("dir", if rtl { "rtl" } else { "ltr" })?;
        card.set_attribute("aria-label", &text(frame, "label"))?;
        let position = match placement.as_str() {
            "bottom-left" => "float bl",
            "top-right" => "float tr",
            "top-left" => "float tl",
            "center" => "float c",
            "modal" | "inline" => "",
            _ => "float br", // bottom-right, and the card a tab opens
        };
        if !position.is_empty() {
            card.set_attribute("class", &(String::from("card ") + position))?;
        }
        if modal {
            card.set_attribute("role", "dialog")?;
            card.set_attribute("aria-modal", "true")?;
            let overlay = element(&document, "div", "overlay")?;
            overlay.set_attribute("part", "overlay")?;
            overlay.append_child(&card)?;
            root.append_child(&overlay)?;
        } else {
            // A card beside the page's content: a landmark, not a dialog, so
            // it does not claim focus; the live region announces it.
            card.set_attribute("role", "region")?;
            root.append_child(&card)?;
        }
        let mut tab = None;
        if placement == "tab" {
            let button = button(&document, "tab", "open")?;
            button.set_attribute("part", "tab")?;
            button.set_attribute("dir", if rtl { "rtl" } else { "ltr" })?;
            button.set_attribute("aria-expanded", "false")?;
            button.set_text_content(Some(&text(frame, "label")));
            card.set_attribute("hidden", "")?;
            root.append_child(&button)?;
            tab = Some(button);
        }
        let return_focus = if modal {
            document.active_element().and_then(|e| e.dyn_into::<HtmlElement>().ok())
        } else {
            None
        };
        parent.append_child(&host)?;
        Ok(Widget {
            document,
            host,
            root,
            card,
            live,
            tab,
            modal,
            rtl,
            kind: Kind::Thanks,
            stars: false,
            options: Vec::new(),
            selected: None,
            area: None,
            error: None,
            required: String::new(),
            close_label: text(frame, "close"),
            return_focus,
        })
    }

    /// Draws a step plan (`prompt::step_json`): a scale, a free-text
    /// question or the thanks. Focus moves into it when it was inside
    /// already (keyboard answering) or the survey is modal.
    pub fn step(&mut self, step: &JsValue) -> Result<(), JsValue> {
        let had_focus = self.root.active_element().is_some();
        self.card.set_text_content(None);
        self.options.clear();
        self.selected = None;
        self.area = None;
        self.error = None;
        let doc = &self.document.clone();
        let close = button(doc, "x", "close")?;
        close.set_attribute("part", "close")?;
        close.set_attribute("aria-label", &self.close_label)?;
        close.set_text_content(Some("×"));
        let question = element(doc, "p", "q")?;
        question.set_attribute("id", "parcours-q")?;
        question.set_attribute("part", "question")?;
        let asked = text(step, "text");
        question.set_text_content(Some(&asked));
        self.card.append_child(&question)?;
        self.card.set_attribute("aria-labelledby", "parcours-q")?;
        self.kind = match text(step, "kind").as_str() {
            "scale" => Kind::Scale,
            "text" => Kind::Text,
            _ => Kind::Thanks,
        };
        match self.kind {
            Kind::Scale => self.draw_scale(step)?,
            Kind::Text => {
                let area: HtmlTextAreaElement = doc.create_element("textarea")?.unchecked_into();
                area.set_attribute("aria-labelledby", "parcours-q")?;
                area.set_attribute("part", "text")?;
                area.set_attribute("maxlength", "1000")?;
                area.set_attribute("rows", "3")?;
                area.set_placeholder(&text(step, "placeholder"));
                self.card.append_child(&area)?;
                self.area = Some(area);
            }
            Kind::Thanks => {
                question.set_attribute("role", "status")?;
            }
        }
        if self.kind != Kind::Thanks {
            let error = element(doc, "p", "err")?;
            error.set_attribute("id", "parcours-err")?;
            error.set_attribute("role", "alert")?;
            self.card.append_child(&error)?;
            self.error = Some(error);
            let row = element(doc, "div", "row")?;
            if frame_flag(step, "optional") {
                let skip = button(doc, "skip", "skip")?;
                skip.set_attribute("part", "skip")?;
                skip.set_text_content(Some(&text(step, "skip")));
                row.append_child(&skip)?;
            }
            let send = button(doc, "send", "submit")?;
            send.set_attribute("part", "submit")?;
            send.set_text_content(Some(&text(step, "submit")));
            row.append_child(&send)?;
            self.card.append_child(&row)?;
        }
        // The close button last in the DOM (first stop after the answer), drawn in the corner.
        self.card.append_child(&close)?;
        if self.modal || had_focus {
            self.focus_first();
        } else if self.card.get_attribute("hidden").is_none() {
            self.announce(&asked);
        }
        Ok(())
    }

    fn draw_scale(&mut self, step: &JsValue) -> Result<(), JsValue> {
        let doc = &self.document.clone();
        let style = text(step, "style");
        self.stars = style == "stars";
        self.required = text(step, "required");
        let group = element(
            doc,
            "div",
            &(String::from("scale ") + &style + " " + &text(step, "type")),
        )?;
        group.set_attribute("role", "radiogroup")?;
        group.set_attribute("aria-labelledby", "parcours-q")?;
        group.set_attribute(
            "aria-required",
            if frame_flag(step, "optional") { "false" } else { "true" },
        )?;
        group.set_attribute("part", "scale")?;
        let options = Array::from(&get(step, "options"));
        for i in 0..options.length() {
            let option = options.get(i);
            let value = get(&option, "v").as_f64().unwrap_or(0.0) as u32;
            let button = button(doc, "o", "")?;
            button.set_attribute("role", "radio")?;
            button.set_attribute("part", "option")?;
            button.set_attribute("aria-label", &text(&option, "name"))?;
            button.set_attribute("data-value", &text_of_u32(value))?;
            button.set_text_content(Some(&text(&option, "face")));
            group.append_child(&button)?;
            self.options.push((value, button));
        }
        self.card.append_child(&group)?;
        let ends = element(doc, "div", "ends")?;
        ends.set_attribute("aria-hidden", "true")?; // the options' names say it
        for key in ["low", "high"] {
            let end = element(doc, "span", "")?;
            end.set_text_content(Some(&text(step, key)));
            ends.append_child(&end)?;
        }
        self.card.append_child(&ends)?;
        self.mark()
    }

    /// Reflects the choice: `aria-checked`, one tab stop (the checked
    /// option, else the first), and filled stars up to the choice.
    fn mark(&self) -> Result<(), JsValue> {
        let first = self.options.first().map(|(v, _)| *v);
        let stop = self.selected.or(first);
        for (value, option) in &self.options {
            let checked = self.selected == Some(*value);
            option.set_attribute("aria-checked", if checked { "true" } else { "false" })?;
            option.set_attribute("tabindex", if stop == Some(*value) { "0" } else { "-1" })?;
            if self.stars {
                let on = self.selected.is_some_and(|s| *value <= s);
                option.set_attribute("class", if on { "o on" } else { "o" })?;
                option.set_text_content(Some(if on { "★" } else { "☆" }));
            }
        }
        Ok(())
    }

    fn select(&mut self, value: u32, focus: bool) -> Result<(), JsValue> {
        self.selected = Some(value);
        self.mark()?;
        if let Some(error) = &self.error {
            error.set_text_content(None);
        }
        if focus {
            if let Some((_, option)) = self.options.iter().find(|(v, _)| *v == value) {
                let _ = option.unchecked_ref::<HtmlElement>().focus();
            }
        }
        Ok(())
    }

    /// Handles a visitor's event on the widget: `kind` is `click` or
    /// `key`; `target` the event's innermost target (`composedPath()[0]`).
    /// Returns what the host script must do (see the codes above).
    pub fn act(&mut self, kind: &str, target: &JsValue, key: &str, shift: bool) -> u8 {
        let target: Option<&Element> = target.dyn_ref::<Element>();
        let acting = target.and_then(|t| t.closest("[data-act],[data-value]").ok().flatten());
        if kind == "click" {
            let Some(acting) = acting else { return NOTHING };
            if let Some(value) = acting.get_attribute("data-value") {
                let _ = self.select(parse_u32(&value), false);
                return NOTHING;
            }
            return match acting.get_attribute("data-act").as_deref() {
                Some("submit") => SUBMIT,
                Some("close") => CLOSE,
                Some("skip") => SKIP,
                Some("open") => OPEN,
                _ => NOTHING,
            };
        }
        match key {
            "Escape" if !self.waiting() => CLOSE,
            "Tab" if self.modal => self.trap(shift),
            "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown" | "Home" | "End"
                if acting.as_ref().is_some_and(|a| a.has_attribute("data-value")) =>
            {
                let forward = match key {
                    // Left is "back" in a left-to-right layout and "forward" in a mirrored one.
                    "ArrowRight" => !self.rtl,
                    "ArrowLeft" => self.rtl,
                    _ => key == "ArrowDown",
                };
                let values: Vec<u32> = self.options.iter().map(|(v, _)| *v).collect();
                let (Some(first), Some(last)) = (values.first().copied(), values.last().copied()) else {
                    return NOTHING;
                };
                let next = match (key, self.selected) {
                    ("Home", _) => first,
                    ("End", _) => last,
                    // Nothing chosen yet: from the tab stop (the first option), as a native group does.
                    (_, None) if forward => values.get(1).copied().unwrap_or(first),
                    (_, None) => last,
                    // Arrows wrap around, as in a native radio group.
                    (_, Some(v)) if forward && v >= last => first,
                    (_, Some(v)) if forward => v + 1,
                    (_, Some(v)) if v <= first => last,
                    (_, Some(v)) => v - 1,
                };
                let _ = self.select(next, true);
                PREVENT
            }
            _ => NOTHING,
        }
    }

    /// Keeps Tab inside a modal: from the last control to the first and back.
    fn trap(&self, shift: bool) -> u8 {
        let Ok(list) = self.card.query_selector_all("button:not([tabindex=\"-1\"]),textarea") else {
            return NOTHING;
        };
        let at = |i: u32| list.get(i).and_then(|n| n.dyn_into::<HtmlElement>().ok());
        let (Some(first), Some(last)) = (at(0), at(list.length().saturating_sub(1))) else {
            return NOTHING;
        };
        let active = self.root.active_element();
        let edge = if shift { &first } else { &last };
        let inside = active.is_some();
        if !inside || active.as_ref().is_some_and(|a| a == edge.unchecked_ref::<Element>()) {
            let _ = if shift { last.focus() } else { first.focus() };
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
        self.area.as_ref().map(|a| a.value()).unwrap_or_default()
    }

    /// Says why the answer was not taken (a required choice is missing),
    /// in the card and to screen readers (`role=alert`).
    pub fn refuse(&self) {
        if let Some(error) = &self.error {
            error.set_text_content(Some(&self.required));
            if let Some((_, first)) = self.options.first() {
                let _ = first.unchecked_ref::<HtmlElement>().focus();
            }
        }
    }

    /// Shows the card a "Feedback" tab opens.
    pub fn open(&mut self) {
        if let Some(tab) = &self.tab {
            let _ = tab.set_attribute("aria-expanded", "true");
            let _ = tab.set_attribute("hidden", "");
            let _ = self.card.remove_attribute("hidden");
            self.focus_first();
        }
    }

    /// Whether this is a tab not yet opened.
    pub fn waiting(&self) -> bool {
        self.tab.is_some() && self.card.has_attribute("hidden")
    }

    /// Whether the thank-you step is showing.
    pub fn thanked(&self) -> bool {
        self.kind == Kind::Thanks
    }

    /// Removes the widget; a modal gives focus back where it was.
    pub fn close(&mut self) {
        let had_focus = self.root.active_element().is_some();
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

    fn focus_first(&self) {
        let first = self
            .card
            .query_selector("[role=radio][tabindex=\"0\"],textarea,.send,.x")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<HtmlElement>().ok());
        if let Some(first) = first {
            let _ = first.focus();
        }
    }

    fn announce(&self, message: &str) {
        let mut spoken = self.card.get_attribute("aria-label").unwrap_or_default();
        spoken.push_str(": ");
        spoken.push_str(message);
        self.live.set_text_content(Some(&spoken));
    }
}

fn frame_flag(object: &JsValue, key: &str) -> bool {
    get(object, key).as_bool().unwrap_or(false)
}

fn element(document: &Document, tag: &str, class: &str) -> Result<Element, JsValue> {
    let element = document.create_element(tag)?;
    if !class.is_empty() {
        element.set_attribute("class", class)?;
    }
    Ok(element)
}

/// A `type=button` button; `act` names what pressing it does.
fn button(document: &Document, class: &str, act: &str) -> Result<Element, JsValue> {
    let button = element(document, "button", class)?;
    button.set_attribute("type", "button")?;
    if !act.is_empty() {
        button.set_attribute("data-act", act)?;
    }
    Ok(button)
}

fn text_of_u32(value: u32) -> String {
    let mut out = String::new();
    parcours_core::num::push_u64(&mut out, value as u64);
    out
}

fn parse_u32(text: &str) -> u32 {
    text.bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0u32, |n, b| n.saturating_mul(10).saturating_add((b - b'0') as u32))
}
