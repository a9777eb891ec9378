// The demo shop's own code: it starts Parcours and tells it what matters,
// the way a site's developers would.
parcours.init({
  endpoint: '/v1/batch',
  writeKey: 'demo_site',
  flushInterval: 2000,
  debug: true,
  // Where each page sits in the customer journey (awareness is where every journey starts).
  stageRules: [
    { stage: 'consideration', url: '/demo/product.html' },
    { stage: 'consideration', url: '/demo/pricing.html' },
    { stage: 'decision', url: '/demo/signup.html' },
    { stage: 'decision', url: '/demo/checkout.html' },
    { stage: 'purchase', event: 'Order Completed' },
    { stage: 'retention', event: 'Support Requested' },
  ],
  conversions: [
    { event: 'Order Completed', valueProperty: 'total', currencyProperty: 'currency' },
    { event: 'Signed Up' },
  ],
  // Feedback prompts: the collector serves them (www/demo/surveys.json,
  // GET /v1/surveys), with the rules that decide who sees which, and when:
  // CSAT after an order, CES after a support request, NPS on a return visit.
  surveysUrl: '/v1/surveys',
  // The demo shows all three in one visit; a real site keeps the 7-day default.
  surveyCooldownDays: 0,
});

document.addEventListener('click', function (event) {
  var target = event.target.closest('[data-action]');
  if (!target) return;
  var action = target.getAttribute('data-action');
  if (action === 'add-to-cart') {
    parcours.track('Added to Cart', { product: target.getAttribute('data-product'), price: Number(target.getAttribute('data-price')), currency: 'EUR' });
    var status = document.querySelector('.status');
    if (status) status.textContent = 'Added to your cart.';
  } else if (action === 'choose-plan') {
    parcours.track('Plan Chosen', { plan: target.getAttribute('data-plan') });
  } else if (action === 'cta') {
    parcours.track('CTA Clicked', { cta: target.getAttribute('data-cta') });
  }
});

document.addEventListener('submit', function (event) {
  var form = event.target;
  var kind = form.getAttribute('data-form');
  if (!kind) return;
  event.preventDefault();
  var status = form.querySelector('.status');
  if (kind === 'signup' && !form.checkValidity()) {
    // The shop reports its own friction; Parcours attaches it to this step of the journey.
    parcours.track('friction', { type: 'validation_error', form: 'signup' });
    status.textContent = 'Please fill in your email and a password of 8 characters or more.';
    return;
  } else if (kind === 'signup') {
    // The site decides what identifies a user; Parcours never reads field values by itself.
    var userId = 'demo-' + Math.random().toString(36).slice(2, 10);
    parcours.identify(userId, { plan: form.elements.plan.value });
    parcours.track('Signed Up', { plan: form.elements.plan.value });
    status.textContent = 'Welcome aboard! Your account is ready.';
  } else if (kind === 'checkout') {
    parcours.track('Order Completed', { orderId: 'ord-' + Date.now(), total: 42.5, currency: 'EUR', items: 2 });
    status.textContent = 'Thank you! Your order is confirmed.';
  } else if (kind === 'support') {
    parcours.track('Support Requested', { topic: form.elements.topic.value });
    status.textContent = 'Thanks, our team will get back to you within a day.';
  }
  form.reset();
});

// A small debug panel: the journey Parcours computes in this browser, live.
(function journeyPanel() {
  var SURVEYS = ['checkout-csat', 'support-ces', 'return-nps'];
  var panel = document.createElement('aside');
  panel.className = 'journey-panel';
  panel.setAttribute('aria-label', 'Parcours journey (debug)');
  panel.innerHTML = '<h2>Your journey <small>(computed in this browser)</small></h2><dl></dl>';
  var list = panel.querySelector('dl');
  function row(term, value) {
    var dt = document.createElement('dt');
    var dd = document.createElement('dd');
    dt.textContent = term;
    dd.textContent = value;
    list.append(dt, dd);
  }
  function render() {
    var state = parcours.journey && parcours.journey();
    var j = state && state.journey;
    list.textContent = '';
    if (!j) return row('Journey', 'starting…');
    var touch = j.touch;
    row('Channel', j.channel + (touch.source ? ' · ' + touch.source : '') + (touch.campaign ? ' · ' + touch.campaign : ''));
    row('Session', '#' + j.sessionIndex + ', ' + Math.round(j.durationMs / 1000) + ' s');
    row('Stage', (j.currentStage || '–') + (j.furthestStage && j.furthestStage !== j.currentStage ? ' (furthest: ' + j.furthestStage + ')' : ''));
    row('Stages reached', j.stages.map(function (s) { return s.stage; }).join(' → ') || '–');
    row('Steps', j.steps.length + (j.truncatedSteps ? ' (+' + j.truncatedSteps + ')' : ''));
    var friction = Object.keys(j.friction).map(function (k) { return k + ' ×' + j.friction[k]; });
    row('Friction', friction.join(', ') || 'none so far');
    row('Emotion', j.emotionCurve.map(function (e) { return e > 0 ? '▲' : e < 0 ? '▼' : '·'; }).join(' ') || '–');
    row('Conversions', j.conversions.map(function (c) { return c.name + (c.value !== undefined ? ' ' + c.value + ' ' + (c.currency || '') : ''); }).join(', ') || 'none yet');
    // Why each survey would or would not show now: parcours.survey.explain(id).
    SURVEYS.forEach(function (id) {
      var why = parcours.survey.explain(id);
      var held = (why.checks || []).filter(function (c) { return !c.ok; });
      var state = why.onScreen ? 'on screen' : why.scheduled ? 'about to show' : why.error ? why.error : why.show ? 'would show when its trigger fires'
        : 'held back: ' + held[0].rule + ' (' + held[0].detail + ')' + (held.length > 1 ? ' and ' + (held.length - 1) + ' more' : '');
      row('Survey ' + id, state);
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    var footer = document.querySelector('footer');
    if (footer) footer.before(panel);
    else document.body.append(panel);
    render();
  });
  ['ready', 'session', 'stage', 'friction', 'conversion', 'flush'].forEach(function (name) {
    parcours.on(name, render);
  });
  setInterval(render, 1000);
})();
