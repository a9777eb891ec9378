//! The widget's stylesheet, scoped by its shadow root: no rule reaches the
//! page, and the page's rules cannot reach in. `:host` declarations are
//! `!important` because, across a shadow boundary, an important rule of the
//! inner tree beats any rule of the page (even `* { all: unset !important }`).
//!
//! Theming goes through custom properties, which cross the boundary:
//! `--parcours-brand`, `--parcours-on-brand`, `--parcours-background`,
//! `--parcours-text`, `--parcours-radius`, `--parcours-font-family`; and
//! `::part(card | question | scale | option | text | submit | skip | close | tab | overlay)`.
//! The defaults meet WCAG AA contrast in both schemes (checked by
//! `parcours_core::surveys::theme`'s tests).

pub const STYLE: &str = concat!(
    ":host{all:initial!important;display:block!important;position:static!important;",
    "transform:none!important;filter:none!important;contain:none!important}",
    "[hidden],.wait{display:none!important}",
    ".card{--b:var(--parcours-background,#fff);--f:var(--parcours-text,#1a1a1a);",
    "--p:var(--parcours-brand,#0b57d0);--o:var(--parcours-on-brand,#fff);--r:var(--parcours-radius,12px);",
    "position:relative;box-sizing:border-box;max-width:24rem;padding:1rem 1rem .75rem;",
    "font:15px/1.4 var(--parcours-font-family,system-ui,sans-serif);color:var(--f);background:var(--b);",
    "border-radius:var(--r);border:1px solid color-mix(in srgb,var(--f) 25%,transparent);",
    "box-shadow:0 6px 28px rgba(0,0,0,.22);text-align:start}",
    "@media(prefers-color-scheme:dark){:host(:not([data-mode=light])) .card{",
    "--b:var(--parcours-background,#1f1f1f);--f:var(--parcours-text,#f1f1f1);",
    "--p:var(--parcours-brand,#8ab4f8);--o:var(--parcours-on-brand,#0b1f3a)}}",
    ":host([data-mode=dark]) .card{--b:var(--parcours-background,#1f1f1f);--f:var(--parcours-text,#f1f1f1);",
    "--p:var(--parcours-brand,#8ab4f8);--o:var(--parcours-on-brand,#0b1f3a)}",
    ".float{position:fixed;z-index:2147483647;width:calc(100vw - 2rem)}",
    ".br{right:1rem;bottom:1rem}.bl{left:1rem;bottom:1rem}.tr{right:1rem;top:1rem}.tl{left:1rem;top:1rem}",
    ".c{left:50%;top:50%;transform:translate(-50%,-50%)}",
    ".overlay{position:fixed;inset:0;z-index:2147483647;display:grid;place-items:center;",
    "background:rgba(0,0,0,.55);padding:1rem}",
    ".overlay .card{width:100%}",
    // Narrow screens: a full-width bottom sheet, lifted above the on-screen
    // keyboard by --parcours-keyboard (set from the visual viewport).
    "@media(max-width:480px){.float{left:0;right:0;top:auto;bottom:var(--parcours-keyboard,0px);",
    "width:auto;max-width:none;transform:none;border-radius:var(--r) var(--r) 0 0}}",
    ".q{margin:0 2rem .75rem 0;font-weight:600}[dir=rtl] .q{margin:0 0 .75rem 2rem}",
    ".scale{display:flex;gap:.25rem}.nps{gap:2px}",
    "button{font:inherit;color:inherit;cursor:pointer;margin:0;box-sizing:border-box}",
    ".o{flex:1 1 0;min-width:1.75rem;min-height:2.5rem;padding:0;border-radius:6px;",
    "background:var(--b);border:1px solid var(--f);line-height:1}",
    ".o[aria-checked=true]{background:var(--p);color:var(--o);border-color:var(--p)}",
    ".stars .o,.faces .o{border-color:transparent;font-size:1.5em}",
    ".stars .o.on{color:var(--p);background:var(--b)}",
    ".faces .o[aria-checked=true]{background:var(--b);border-color:var(--p);box-shadow:inset 0 0 0 1px var(--p)}",
    ":focus-visible{outline:3px solid var(--p);outline-offset:2px}",
    ".ends{display:flex;justify-content:space-between;gap:1rem;font-size:.85em;margin:.35rem 0 .5rem}",
    "textarea{display:block;box-sizing:border-box;width:100%;font:inherit;color:var(--f);background:var(--b);",
    "border:1px solid var(--f);border-radius:6px;padding:.5rem;margin-bottom:.5rem;resize:vertical}",
    ".err{margin:0;min-height:1.2em;font-size:.9em;font-weight:600}",
    ".row{display:flex;justify-content:flex-end;gap:.5rem}",
    ".send,.skip{padding:.5rem 1rem;border-radius:6px;border:1px solid var(--p)}",
    ".send{background:var(--p);color:var(--o)}.skip{background:var(--b)}",
    ".x{position:absolute;top:.4rem;inset-inline-end:.4rem;width:2rem;height:2rem;border:0;",
    "border-radius:50%;background:transparent;font-size:1.4em;line-height:1}",
    ".tab{position:fixed;z-index:2147483647;right:0;top:50%;transform:translateY(-50%);",
    "writing-mode:vertical-rl;padding:1rem .5rem;border:0;border-radius:8px 0 0 8px;",
    "background:var(--parcours-brand,#0b57d0);color:var(--parcours-on-brand,#fff);",
    "font:600 14px/1 var(--parcours-font-family,system-ui,sans-serif)}",
    ".tab[dir=rtl]{right:auto;left:0;border-radius:0 8px 8px 0}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}",
    "@media(prefers-reduced-motion:no-preference){.float,.overlay .card{animation:parcours-in .2s ease-out}}",
    "@keyframes parcours-in{from{opacity:0;translate:0 .5rem}}",
);
