// The script-tag snippet, unminified for reading. The minified copy in
// README.md and the demo pages is what sites paste; tests check both agree.
// It defines window.parcours at once, queues every call with its time, and
// loads the SDK asynchronously; loading it twice is harmless. The build puts
// the bundle's Subresource Integrity hash in place of PARCOURS_JS_SRI.
!(function (w, d, src, sri) {
  var p = (w.parcours = w.parcours || { _q: [] });
  if (p.__parcours || p._l) return;
  p._l = 1;
  'init track page identify group alias register register_once unregister ready reset on touchpoint consent optOut'.split(' ').forEach(function (m) {
    p[m] = function () {
      p._q.push([m, [].slice.call(arguments), Date.now()]);
    };
  });
  p.survey = {
    show: function (id) {
      p._q.push(['survey.show', [id], Date.now()]);
    },
  };
  p.flush = function () {
    return new Promise(function (r) {
      p._q.push(['flush', [], Date.now(), r]);
    });
  };
  var s = d.createElement('script');
  s.async = 1;
  s.src = src;
  if (sri) (s.integrity = sri), (s.crossOrigin = 'anonymous');
  d.head.appendChild(s);
})(window, document, '/dist/parcours.js', 'PARCOURS_JS_SRI');
