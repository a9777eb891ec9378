// Declared touchpoints: elements marked data-parcours-touchpoint="name"
// (recorded on click, with data-parcours-stage and data-parcours-props as
// JSON extras), elements marked data-parcours-view="name" (recorded once per
// page view when half of them is visible), and selectors declared in init.
// One delegated, passive listener on the document; values of fields are
// never read.

const warn = (message) => console.warn('[parcours] ' + message);

/** `record(name, properties)` records a touchpoint; `settings` is the core's autocapture report. */
export function trackTouchpoints(record, settings) {
  const declared = settings.declared.filter((t) => {
    try {
      document.querySelector(t.selector);
      return true;
    } catch (e) {
      warn('options.touchpoints: ' + JSON.stringify(t.selector) + ' is not a valid CSS selector; that touchpoint is ignored.');
      return false;
    }
  });
  const clicks = declared.filter((t) => t.trigger === 'click');
  const views = declared.filter((t) => t.trigger === 'view');
  let seen = new WeakSet();

  function extras(element) {
    const props = {};
    const raw = element.getAttribute('data-parcours-props');
    if (raw) {
      try {
        const parsed = JSON.parse(raw);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(props, parsed);
      } catch (e) {
        warn('data-parcours-props on a "' + element.getAttribute('data-parcours-touchpoint') + '" element is not JSON; its extras were left out.');
      }
    }
    const stage = element.getAttribute('data-parcours-stage');
    if (stage) props.stage = stage;
    return props;
  }

  function onClick(event) {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (settings.touchpoints) {
      const element = target.closest('[data-parcours-touchpoint]');
      if (element) record(element.getAttribute('data-parcours-touchpoint'), Object.assign(extras(element), { trigger: 'click' }));
    }
    for (const t of clicks) {
      if (target.closest(t.selector)) record(t.name, t.stage ? { trigger: 'click', stage: t.stage } : { trigger: 'click' });
    }
  }

  const observer =
    typeof IntersectionObserver === 'function'
      ? new IntersectionObserver(
          (entries) => {
            for (const entry of entries) {
              if (!entry.isIntersecting || seen.has(entry.target)) continue;
              seen.add(entry.target);
              observer.unobserve(entry.target);
              const element = entry.target;
              const named = element.getAttribute('data-parcours-view');
              if (settings.touchpoints && named) record(named, Object.assign(extras(element), { trigger: 'view' }));
              for (const t of views) {
                if (element.matches(t.selector)) record(t.name, t.stage ? { trigger: 'view', stage: t.stage } : { trigger: 'view' });
              }
            }
          },
          { threshold: 0.5 },
        )
      : null;

  /** Looks for elements to watch (at start and on each page view). */
  function scan() {
    if (!observer) return;
    const selectors = views.map((t) => t.selector);
    if (settings.touchpoints) selectors.push('[data-parcours-view]');
    if (!selectors.length) return;
    for (const element of document.querySelectorAll(selectors.join(','))) {
      if (!seen.has(element)) observer.observe(element);
    }
  }

  document.addEventListener('click', onClick, { capture: true, passive: true });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan, { once: true });
  else scan();

  return {
    /** A new page view: elements may be seen again. */
    newPage() {
      seen = new WeakSet();
      if (observer) observer.disconnect();
      scan();
    },
    stop() {
      document.removeEventListener('click', onClick, { capture: true, passive: true });
      if (observer) observer.disconnect();
    },
  };
}
