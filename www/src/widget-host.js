// Puts one survey on screen: the WebAssembly `Widget` draws every step and
// decides what a click or key means (`act`); this file owns the listeners,
// the timer and the visual-viewport lift, and talks to the SDK through `sdk`:
//   sdk.answer(value, text) -> { step } | { refused } | null (the answer is recorded)
//   sdk.opened()            a "Feedback" tab was opened (records survey_shown)
//   sdk.closed()            the survey left the screen (a dismissal unless completed)
// Loaded with the widget module, never before a survey is shown.

// What Widget.act returns: the codes of widget/src/lib.rs.
const SUBMIT = 1;
const CLOSE = 2;
const OPEN = 3;
const SKIP = 4;
const PREVENT = 8;
/** The thank-you step closes itself after this long, unless focus is in it. */
const THANKS_MS = 5000;

export function createPresenter(Widget) {
  return function present(opened, nonce, sdk) {
    const widget = new Widget(document, opened.frame, nonce || '');
    const host = widget.host();
    let closed = false;
    let thanksTimer = 0;
    const viewport = window.visualViewport;

    // Keeps a bottom sheet above the on-screen keyboard.
    const lift = () => {
      const hidden = Math.max(0, innerHeight - viewport.height - viewport.offsetTop);
      host.style.setProperty('--parcours-keyboard', Math.round(hidden) + 'px');
    };

    function close() {
      if (closed) return;
      closed = true;
      clearTimeout(thanksTimer);
      host.removeEventListener('click', onClick);
      host.removeEventListener('keydown', onKey);
      if (viewport) {
        viewport.removeEventListener('resize', lift);
        viewport.removeEventListener('scroll', lift);
      }
      try {
        widget.close();
        widget.free();
      } finally {
        sdk.closed();
      }
    }

    function submit(skip) {
      const result = sdk.answer(skip ? -1 : widget.value(), skip ? '' : widget.text());
      if (!result) return close(); // the SDK was switched off
      if (result.refused) return widget.refuse();
      widget.step(result.step);
      if (widget.thanked()) {
        thanksTimer = setTimeout(function later() {
          if (host.shadowRoot && host.shadowRoot.activeElement) thanksTimer = setTimeout(later, THANKS_MS);
          else close();
        }, THANKS_MS);
      }
    }

    function act(kind, event) {
      if (closed) return;
      try {
        const code = widget.act(kind, event.composedPath()[0], event.key || '', !!event.shiftKey);
        if (code & PREVENT) event.preventDefault();
        const action = code & 7;
        if (action === SUBMIT || action === SKIP) submit(action === SKIP);
        else if (action === CLOSE) close();
        else if (action === OPEN) {
          widget.open();
          sdk.opened();
        }
      } catch (e) {
        console.error('[parcours] the survey failed and was closed; the page is not affected.', e);
        if (!closed) {
          closed = true;
          host.remove();
          sdk.closed();
        }
      }
    }
    const onClick = (event) => act('click', event);
    const onKey = (event) => act('key', event);

    host.addEventListener('click', onClick);
    host.addEventListener('keydown', onKey);
    if (viewport) {
      viewport.addEventListener('resize', lift);
      viewport.addEventListener('scroll', lift);
      lift();
    }
    widget.step(opened.step);
    return { close, waiting: () => !closed && widget.waiting() };
  };
}
