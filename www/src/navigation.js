// Knowing when the URL changes without reading location.href on every call
// (reading it costs more than the rest of track() together).
//
// history.pushState/replaceState are wrapped (the only page prototypes
// Parcours touches): the wrapper calls the original first, then notifies.
// popstate and hashchange notify too. stop() restores the originals when
// nobody wrapped them after us, and otherwise turns our wrappers into plain
// pass-throughs, so other libraries' wrappers keep working.

/** `onChange(kind)`: kind is `push`, `replace`, `pop` or `hash`. */
export function watchUrl(onChange) {
  const wrapped = [];
  let active = true;
  for (const [method, kind] of [['pushState', 'push'], ['replaceState', 'replace']]) {
    const original = history[method];
    if (typeof original !== 'function') continue;
    const wrapper = function () {
      const result = original.apply(this, arguments);
      if (active) onChange(kind);
      return result;
    };
    history[method] = wrapper;
    wrapped.push({ method, original, wrapper });
  }
  const onPop = () => onChange('pop');
  const onHash = () => onChange('hash');
  addEventListener('popstate', onPop);
  addEventListener('hashchange', onHash);
  return function stop() {
    active = false;
    removeEventListener('popstate', onPop);
    removeEventListener('hashchange', onHash);
    for (const { method, original, wrapper } of wrapped) {
      if (history[method] === wrapper) history[method] = original;
    }
  };
}
