// The demo shop's own code: it starts Parcours and tells it what matters,
// the way a site's developers would.
parcours.init({ endpoint: '/v1/batch', writeKey: 'demo_site', flushInterval: 2000, debug: true });

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
  if (kind === 'signup') {
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
