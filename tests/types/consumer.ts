// Compiled with `tsc --noEmit` against the built pkg/: the published types
// must accept correct use and reject mistakes (each @ts-expect-error fails
// the build if the mistake stops being an error, e.g. if a type became any).
import parcours, { init, track, identify, flush, on, ParcoursError, type ParcoursOptions, type Batch } from 'parcours';

const options: ParcoursOptions = { endpoint: 'https://collect.example.com/v1/batch', writeKey: 'wk_1', flushAt: 20 };
init(options);
parcours.init({ endpoint: '/v1/batch', wasmUrl: new URL('https://cdn.example/parcours_bg.wasm') });
track('Signed Up', { plan: 'pro', seats: 3 });
identify(42, { plan: 'pro' });
parcours.page();
parcours.reset();

const done: Promise<{ ok: boolean; pending: number }> = flush();
void done;

const stop: () => void = on('flush', (detail) => {
  const result: 'delivered' | 'retry' | 'rejected' = detail.result;
  void result;
});
stop();
on('error', (error) => {
  const e: ParcoursError = error;
  const field: string = e.field;
  void field;
});
on('ready', (state) => {
  const id: string = state.visitorId;
  void id;
});

// @ts-expect-error endpoint is required
init({ flushAt: 3 });
// @ts-expect-error flushAt is a number
init({ endpoint: '/v1/batch', flushAt: '3' });
// @ts-expect-error an unknown option is a type error in TypeScript (a warning in plain JS)
init({ endpoint: '/v1/batch', flushEvery: 3 });
// @ts-expect-error the shell's options are typed too (generated from the same table)
init({ endpoint: '/v1/batch', nonce: 3 });
// @ts-expect-error the event name is a string
track(42);
// @ts-expect-error no such event
on('nope', () => {});

init({
  endpoint: '/v1/batch',
  stageRules: [{ stage: 'decision', url: { prefix: '/signup' } }, { stage: 'purchase', event: 'Order Completed' }],
  conversions: [{ event: 'Order Completed', valueProperty: 'total', currency: 'EUR' }],
});
on('stage', (detail) => {
  const stage: string = detail.stage;
  void stage;
});
const state = parcours.journey();
if (state && state.journey) {
  const furthest: string | undefined = state.journey.furthestStage;
  const channel: 'direct' | string = state.journey.channel;
  void furthest;
  void channel;
}
// @ts-expect-error a stage rule names its stage
init({ endpoint: '/v1/batch', stageRules: [{ url: '/pricing' }] });

parcours.touchpoint('chat-opened', { topic: 'billing' });
init({
  endpoint: '/v1/batch',
  touchpoints: [{ selector: '.faq', name: 'faq-seen', trigger: 'view' }],
  stripQueryParams: ['token'],
  captureSpaPageviews: true,
});
// @ts-expect-error a touchpoint trigger is click or view
init({ endpoint: '/v1/batch', touchpoints: [{ selector: '.x', name: 'x', trigger: 'hover' }] });

parcours.consent('granted');
parcours.consent({ analytics: 'denied', feedback: 'granted' });
init({ endpoint: '/v1/batch', consent: 'pending', respectPrivacySignals: true, friction: { deadClicks: false, rageClicks: { clicks: 4 } } });
// @ts-expect-error consent is granted, pending or denied
parcours.consent('yes');
parcours.optOut();
parcours.shutdown();

init({
  endpoint: '/v1/batch',
  nonce: 'r4nd0m',
  surveys: [
    { id: 'checkout-csat', questions: [{ type: 'csat', style: 'stars' }, { type: 'text', ifLow: 'What went wrong?' }] },
    { id: 'inline', placement: 'inline', target: '#slot', theme: { brand: '#0b57d0', mode: 'dark' }, questions: [{ type: 'thumbs' }] },
  ],
});
// @ts-expect-error a CES question has a wording, not a style
init({ endpoint: '/v1/batch', surveys: [{ id: 'x', questions: [{ type: 'ces', style: 'stars' }] }] });
const shown: Promise<boolean> = parcours.survey.show('checkout-csat');
void shown;
init({
  endpoint: '/v1/batch',
  surveyCooldownDays: 14,
  surveysUrl: 'https://collect.example.com/v1/surveys',
  surveysTtlSeconds: 600,
  surveys: [
    {
      id: 'nps',
      questions: [{ type: 'nps' }],
      trigger: [{ event: 'Order Completed', where: { total: { gt: 50 } }, delay: 5 }, { url: { notStartsWith: '/admin' }, timeOnPage: 30 }],
      audience: { any: [{ visitor: 'returning' }, { trait: 'plan', eq: 'pro' }], device: ['desktop'] },
      sample: 25,
      frequency: { every: 90, afterDismissal: 30 },
      schedule: { start: '2026-12-01', maxResponses: 1 },
      variants: [{ id: 'a' }, { id: 'b', placement: 'modal' }],
    },
  ],
});
const why = parcours.survey.explain('nps');
const failed: string[] = why.checks.filter((c) => !c.ok).map((c) => c.rule + ': ' + c.detail);
void failed;
// @ts-expect-error sample is a percentage, not a string
init({ endpoint: '/v1/batch', surveys: [{ id: 'x', questions: [{ type: 'nps' }], sample: '25%' }] });
parcours.on('survey_answered', (answer) => console.log(answer.normalized, answer.submission));

init({
  destinations: [
    { type: 'segment', writeKey: 'wk' },
    { type: 'ga4', measurementId: 'G-1', apiSecret: 's', events: ['Order Completed'], sample: 50 },
    { id: 'hook', type: 'webhook', url: 'https://hooks.example/in', envelope: { site: 'shop', items: '$events' },
      transform: (event) => (event.name === 'Private' ? null : event),
      transport: (request) => fetch(request.url, { method: 'POST', body: request.body }).then((r) => ({ status: r.status })) },
  ],
});
// @ts-expect-error GA4 needs its API secret
init({ destinations: [{ type: 'ga4', measurementId: 'G-1' }] });

// A backend's handler types what it receives.
const received: Batch = {
  v: 1,
  events: [
    {
      id: 'e1',
      type: 'track',
      name: 'Signed Up',
      ts: 1,
      visitorId: 'v',
      sessionId: 's',
      properties: { plan: 'pro' },
      context: { page: { url: 'https://shop.example/', path: '/', title: 'Shop', referrer: '' }, library: { name: 'parcours', version: '0.1.0' } },
    },
  ],
};
// @ts-expect-error an event's type is track, page, identify, group or alias
received.events[0].type = 'click';

// The everyday API: groups, aliases, super properties, beforeSend, ready.
parcours.group('acme', { plan: 'enterprise' });
parcours.group(42);
parcours.alias('user_42');
parcours.alias('user_42', 'anon-7');
parcours.register({ appVersion: '4.2' });
parcours.register_once({ landing: '/pricing' });
parcours.unregister('appVersion');
const anonymous: string | null = parcours.anonymousId();
void anonymous;
const whenReady: Promise<{ visitorId: string }> = parcours.ready((state) => void state.sessionId);
void whenReady;
const inForce = parcours.consent();
if (inForce) {
  const analytics: 'granted' | 'pending' | 'denied' = inForce.analytics;
  void analytics;
}
init({
  endpoint: '/v1/batch',
  beforeSend: (event) => (event.name === 'internal' ? null : { ...event, properties: { ...event.properties, scrubbed: true } }),
});
// @ts-expect-error beforeSend returns the event or null
init({ endpoint: '/v1/batch', beforeSend: () => 'dropped' });
// @ts-expect-error group needs an id
parcours.group();
