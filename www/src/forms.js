// Forms and links, recorded from the page's own events with one delegated
// listener per event type. Field values are never read: a form is described
// by its name (id, name or action path), its number of fields and of
// required fields, and how many times the browser found it invalid.
//
// form_started   the first input in a form
// form_submitted { fields, required, invalidCount, durationMs }
// form_abandoned the page is left after form_started without a submit
// form_invalid   each time the browser refuses the form: { invalidCount (refusals
//                so far), invalidFields (fields refused this time) }
// link_clicked   { href, outbound, download } for links leaving the site or
//                downloading a file; recorded without delaying the navigation

const DOWNLOAD = /\.(pdf|zip|dmg|exe|msi|csv|xlsx?|docx?|pptx?|mp3|mp4|epub|apk|gz|tgz|rar|7z)$/i;

function formName(form) {
  if (form.id) return form.id;
  const name = form.getAttribute('name');
  if (name) return name;
  try {
    return new URL(form.action || location.href).pathname;
  } catch (e) {
    return 'form';
  }
}

function describe(form) {
  const fields = Array.from(form.elements).filter((e) => e.name && !['submit', 'button', 'reset', 'hidden', 'fieldset'].includes(e.type));
  return { form: formName(form), fields: fields.length, required: fields.filter((e) => e.required).length };
}

/** `record(name, properties)`; returns { leave(), stop() }. */
export function trackForms(record) {
  const started = new Map(); // form element -> { at, invalid }

  function onInput(event) {
    const form = event.target && event.target.form;
    if (!form || started.has(form)) return;
    started.set(form, { at: performance.now(), invalid: 0 });
    record('form_started', describe(form));
  }
  function onInvalid(event) {
    const form = event.target && event.target.form;
    if (!form) return;
    const state = started.get(form) || { at: performance.now(), invalid: 0 };
    state.invalid += 1;
    started.set(form, state);
    // One report per refused submit: the browser fires `invalid` for each
    // field, each in its own listener call, so wait for the task to end.
    if (!state.reported) {
      state.reported = true;
      setTimeout(() => {
        state.reported = false;
        state.refusals = (state.refusals || 0) + 1;
        record('form_invalid', Object.assign(describe(form), { invalidCount: state.refusals, invalidFields: state.invalid }));
        state.invalid = 0;
      }, 0);
    }
  }
  function onSubmit(event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const state = started.get(form) || { at: performance.now(), invalid: 0 };
    started.delete(form);
    record('form_submitted', Object.assign(describe(form), { invalidCount: state.refusals || 0, durationMs: Math.round(performance.now() - state.at) }));
  }
  function onClick(event) {
    const link = event.target instanceof Element && event.target.closest('a[href]');
    if (!link) return;
    let url;
    try {
      url = new URL(link.href, location.href);
    } catch (e) {
      return;
    }
    const outbound = url.origin !== location.origin && /^https?:$/.test(url.protocol);
    const download = link.hasAttribute('download') || DOWNLOAD.test(url.pathname);
    if (outbound || download) record('link_clicked', { href: url.origin + url.pathname, outbound, download });
  }

  document.addEventListener('input', onInput, { capture: true, passive: true });
  document.addEventListener('change', onInput, { capture: true, passive: true });
  document.addEventListener('invalid', onInvalid, { capture: true, passive: true });
  document.addEventListener('submit', onSubmit, { capture: true, passive: true });
  document.addEventListener('click', onClick, { capture: true, passive: true });
  return {
    /** The page is being left: forms started and not submitted were abandoned. */
    leave() {
      for (const [form, state] of started) {
        record('form_abandoned', Object.assign(describe(form), { invalidCount: state.refusals || 0, durationMs: Math.round(performance.now() - state.at) }));
      }
      started.clear();
    },
    stop() {
      document.removeEventListener('input', onInput, { capture: true, passive: true });
      document.removeEventListener('change', onInput, { capture: true, passive: true });
      document.removeEventListener('invalid', onInvalid, { capture: true, passive: true });
      document.removeEventListener('submit', onSubmit, { capture: true, passive: true });
      document.removeEventListener('click', onClick, { capture: true, passive: true });
    },
  };
}
