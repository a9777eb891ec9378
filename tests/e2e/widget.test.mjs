// The feedback widget in Chromium, loaded by the real script tag: each
// question type answered with the mouse and with the keyboard only, the
// answers at the collector with their journey fields, axe-core on every
// state, a hostile host page, French and right-to-left, and a bad survey
// that leaves the rest working. Screenshots of each state go to
// test-results/widget/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { ROOT, axeViolations, openPage, startOnBlank, waitForEvents, withCollectorAndBrowser } from './harness.mjs';

const env = withCollectorAndBrowser();
const SHOTS = ROOT + 'test-results/widget/';
mkdirSync(SHOTS, { recursive: true });

const SURVEYS = [
  { id: 'checkout-csat', questions: [{ type: 'csat', style: 'stars' }, { type: 'text', ifLow: 'What went wrong?', ifHigh: 'What did you like?' }] },
  { id: 'support-ces', placement: 'modal', questions: [{ type: 'ces' }] },
  { id: 'return-nps', placement: 'bottom-left', questions: [{ type: 'nps' }] },
  { id: 'helpful', placement: 'inline', target: '#slot', questions: [{ type: 'thumbs' }] },
  { id: 'faces', placement: 'center', questions: [{ type: 'csat', style: 'faces' }] },
  { id: 'tab', placement: 'tab', questions: [{ type: 'csat' }] },
  { id: 'arabic', language: 'ar', strings: { submit: 'إرسال' }, questions: [{ type: 'csat', text: 'ما مدى رضاك؟' }] },
];

async function start(page, options = {}) {
  await startOnBlank(page, env.collector, Object.assign({ surveys: SURVEYS, flushAt: 1 }, options), '/e2e/survey.html');
  return page.evaluate(() => parcours.debug().visitorId);
}

const focused = (page) => page.evaluate(() => {
  const host = document.querySelector('parcours-widget');
  const inner = host && host.shadowRoot.activeElement;
  return inner ? inner.getAttribute('aria-label') || inner.className || inner.tagName : null;
});

/** axe-core over the whole page, shadow roots included. */
async function axe(page, state) {
  // Colours are judged once the card's entrance animation is over.
  await page.evaluate(() => {
    const widget = document.querySelector('parcours-widget');
    return Promise.all((widget ? widget.shadowRoot.getAnimations() : []).map((a) => a.finished));
  });
  await page.screenshot({ path: SHOTS + state + '.png' });
  assert.deepEqual(await axeViolations(page), [], 'axe-core on ' + state);
}

const surveyEvents = (events) => events.filter((e) => e.name.startsWith('survey_'));

test('CSAT stars then a follow-up, with the keyboard only: answers reach the collector with the journey', async () => {
  const page = await openPage(env.browser);
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const visitor = await start(page);
  assert.ok(!requests.some((u) => u.includes('widget')), 'nothing of the widget is fetched before a survey is shown');
  await page.evaluate(() => {
    // The page's listeners get each survey event's properties as an object.
    window.heard = [];
    for (const name of ['survey_shown', 'survey_answered', 'survey_completed']) parcours.on(name, (p) => window.heard.push([name, p.questionType || '', typeof p.survey]));
    parcours.touchpoint('order-confirmed', { stage: 'purchase' });
  });
  assert.equal(await page.evaluate(() => parcours.survey.show('checkout-csat')), true);
  assert.ok(requests.some((u) => u.endsWith('/dist/parcours-widget.js')) && requests.some((u) => u.endsWith('parcours_widget_bg.wasm')));
  assert.equal(await focused(page), null, 'a corner card does not steal focus');
  const live = await page.evaluate(() => document.querySelector('parcours-widget').shadowRoot.querySelector('[aria-live=polite]').textContent);
  assert.equal(live, 'Feedback: How satisfied are you with your experience?', 'announced through a polite live region');
  await axe(page, 'csat-stars');

  await page.keyboard.press('Tab');
  assert.equal(await focused(page), '1 of 5, very dissatisfied', 'one tab stop into the radio group');
  await page.keyboard.press('Enter'); // Enter on a radio checks it (a button)
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await focused(page), '4 of 5, satisfied');
  const checked = await page.locator('[role=radio][aria-checked=true]').getAttribute('aria-label');
  assert.equal(checked, '4 of 5, satisfied', 'arrows move the choice');
  assert.equal(await page.locator('[role=radio][tabindex="0"]').count(), 1, 'still one tab stop');
  await axe(page, 'csat-chosen');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'send');
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('#parcours-q').textContent(), 'What did you like?', 'the follow-up depends on the score');
  assert.equal(await focused(page), 'TEXTAREA', 'focus follows the keyboard user into the next question');
  await page.keyboard.type('Fast delivery');
  await axe(page, 'follow-up');
  await page.keyboard.press('Tab'); // skip
  await page.keyboard.press('Tab'); // send
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('[role=status]').textContent(), 'Thank you for your feedback!');
  await axe(page, 'thanks');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('parcours-widget').count(), 0, 'Escape closes');

  const events = surveyEvents(await waitForEvents(env.collector, 'visitor=' + visitor, (evs) => surveyEvents(evs).length === 4));
  assert.deepEqual(events.map((e) => e.name), ['survey_shown', 'survey_answered', 'survey_answered', 'survey_completed'], 'closing the thanks is not a dismissal');
  const [shown, score, text, completed] = events.map((e) => e.properties);
  assert.ok(new Set(events.map((e) => e.properties.submission)).size === 1 && /^[0-9a-f-]{36}$/.test(shown.submission), 'one submission id across the questions');
  assert.deepEqual(
    { survey: score.survey, questionType: score.questionType, value: score.value, normalized: score.normalized, scaleMin: score.scaleMin, scaleMax: score.scaleMax, style: score.style, touchpoint: score.touchpoint, stage: score.stage },
    { survey: 'checkout-csat', questionType: 'csat', value: 4, normalized: 0.75, scaleMin: 1, scaleMax: 5, style: 'stars', touchpoint: 'order-confirmed', stage: 'purchase' },
  );
  assert.equal(text.text, 'Fast delivery');
  assert.deepEqual(await page.evaluate(() => window.heard), [
    ['survey_shown', '', 'string'],
    ['survey_answered', 'csat', 'string'],
    ['survey_answered', 'text', 'string'],
    ['survey_completed', '', 'string'],
  ]);
  assert.equal(completed.answered, 2);
  const journey = await page.evaluate(() => parcours.journey().journey);
  const step = journey.steps.find((s) => s.touchpoint === 'order-confirmed');
  assert.equal(step.emotion, 'positive', 'the answer feeds the emotion of its step');
  assert.deepEqual(step.feedback, [
    { survey: 'checkout-csat', questionType: 'csat', value: 4 },
    { survey: 'checkout-csat', questionType: 'text', text: 'Fast delivery' },
  ], 'the comment too: the collector reads its sentiment');
  assert.deepEqual(page.pageErrors, []);
});

test('NPS and faces with the mouse; a required choice is said, not skipped', async () => {
  const page = await openPage(env.browser);
  const visitor = await start(page);
  await page.evaluate(() => parcours.survey.show('return-nps'));
  await axe(page, 'nps');
  await page.locator('.send').click();
  assert.equal(await page.locator('[role=alert]').textContent(), 'Choose an answer to go on.');
  await page.locator('[role=radio][aria-label="9 of 10"]').click();
  assert.equal(await page.locator('[role=alert]').textContent(), '', 'the message goes once a choice is made');
  await page.locator('.send').click();
  await page.locator('.x').click();

  await page.evaluate(() => parcours.survey.show('faces'));
  await axe(page, 'csat-faces');
  await page.locator('[role=radio][aria-label="2 of 5, dissatisfied"]').click();
  await page.locator('.send').click();
  const events = surveyEvents(await waitForEvents(env.collector, 'visitor=' + visitor, (evs) => surveyEvents(evs).length === 6));
  const answers = events.filter((e) => e.name === 'survey_answered').map((e) => [e.properties.survey, e.properties.value, e.properties.normalized]);
  assert.deepEqual(answers, [['return-nps', 9, 0.9], ['faces', 2, 0.25]]);
});

test('a modal CES: focus moves in, Tab stays inside, Escape dismisses and focus returns', async () => {
  const page = await openPage(env.browser);
  const visitor = await start(page);
  await page.evaluate(() => {
    const button = document.querySelector('main').appendChild(document.createElement('button'));
    button.textContent = 'Contact support';
    button.id = 'opener';
    button.focus();
    parcours.survey.show('support-ces');
  });
  await page.locator('[role=dialog][aria-modal=true]').waitFor();
  assert.equal(await focused(page), '1 of 7, strongly disagree', 'the modal takes focus');
  await axe(page, 'ces-modal');
  await page.keyboard.press('End');
  assert.equal(await focused(page), '7 of 7, strongly agree');
  for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
  assert.equal(await focused(page), '7 of 7, strongly agree', 'Tab cycles inside the modal (radio, send, close, radio)');
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'opener', 'focus goes back where it was');
  const events = surveyEvents(await waitForEvents(env.collector, 'visitor=' + visitor, (evs) => surveyEvents(evs).length === 2));
  assert.deepEqual(events.map((e) => e.name), ['survey_shown', 'survey_dismissed']);
  assert.equal(events[1].properties.atQuestion, 0);
});

test('inline thumbs, a Feedback tab, French from the page and a mirrored right-to-left scale', async () => {
  const page = await openPage(env.browser);
  const visitor = await start(page);
  await page.evaluate(() => {
    document.querySelector('main').insertAdjacentHTML('beforeend', '<section id="slot" aria-label="Was this page helpful?"></section>');
    document.documentElement.lang = 'fr-CA';
    return parcours.survey.show('helpful');
  });
  assert.equal(await page.evaluate(() => document.querySelector('#slot parcours-widget') !== null), true, 'rendered into the target');
  assert.equal(await page.locator('[role=radio]').first().getAttribute('aria-label'), 'pouce vers le bas', 'French, from the page language');
  await axe(page, 'thumbs-inline-fr');
  await page.locator('[role=radio][aria-label="pouce vers le haut"]').click();
  await page.locator('.send').click();
  await page.locator('.x').click();

  await page.evaluate(() => parcours.survey.show('tab'));
  await axe(page, 'tab-closed');
  await page.locator('.tab').click();
  assert.equal(await focused(page), '1 sur 5, très insatisfait', 'opening the tab moves focus into the card');
  await page.keyboard.press('Escape');

  await page.evaluate(() => parcours.survey.show('arabic'));
  assert.equal(await page.locator('.card').getAttribute('dir'), 'rtl');
  await page.locator('[role=radio]').first().focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.locator('[role=radio][aria-checked=true]').getAttribute('data-value'), '2', 'ArrowLeft moves forward in a mirrored scale');
  const first = await page.locator('[role=radio][data-value="1"]').boundingBox();
  const last = await page.locator('[role=radio][data-value="5"]').boundingBox();
  assert.ok(first.x > last.x, 'the scale runs right to left');
  await axe(page, 'rtl');
  await page.locator('.send').click();

  const events = surveyEvents(await waitForEvents(env.collector, 'visitor=' + visitor, (evs) => evs.filter((e) => e.name === 'survey_completed').length === 2));
  const thumbs = events.find((e) => e.name === 'survey_answered' && e.properties.survey === 'helpful').properties;
  assert.deepEqual([thumbs.value, thumbs.normalized, thumbs.language], [1, 1, 'fr'], 'up is the higher value');
  assert.ok(events.some((e) => e.name === 'survey_shown' && e.properties.survey === 'tab'), 'a tab counts as shown once opened');
  assert.ok(events.some((e) => e.name === 'survey_dismissed' && e.properties.survey === 'tab'));
});

test('a hostile page does not break the widget, and the widget does not change the page', async () => {
  const page = await openPage(env.browser);
  await start(page);
  await page.evaluate(() => {
    const style = document.createElement('style');
    style.textContent = '* { all: unset !important; } div, section, button { z-index: 2147483647 !important; position: relative !important; } ' +
      'body::after { content: ""; position: fixed !important; inset: 0; z-index: 99999999 !important; } p { font-size: 40px !important; color: red !important; }';
    document.head.appendChild(style);
    document.body.insertAdjacentHTML('beforeend', '<div id="page-box"><p>Host content</p><button>Host button</button></div>');
  });
  const hostStyles = () => page.evaluate(() => ['#page-box', '#page-box p', '#page-box button', 'body', 'html'].map((s) => {
    const c = getComputedStyle(document.querySelector(s));
    return [c.display, c.position, c.color, c.fontSize, c.fontFamily, c.zIndex, c.margin, c.boxSizing].join('|');
  }));
  const before = await hostStyles();
  await page.evaluate(() => parcours.survey.show('checkout-csat'));
  assert.deepEqual(await hostStyles(), before, 'the page keeps its computed styles');
  const look = await page.evaluate(() => {
    const root = document.querySelector('parcours-widget').shadowRoot;
    const card = root.querySelector('.card');
    const c = getComputedStyle(card);
    const option = root.querySelector('[role=radio]').getBoundingClientRect();
    const box = card.getBoundingClientRect();
    return { position: c.position, background: c.backgroundColor, fontSize: c.fontSize, option: [option.width, option.height], inView: box.bottom <= innerHeight && box.right <= innerWidth && box.top >= 0 };
  });
  assert.deepEqual({ position: look.position, background: look.background, fontSize: look.fontSize, inView: look.inView }, { position: 'fixed', background: 'rgb(255, 255, 255)', fontSize: '15px', inView: true });
  assert.ok(look.option[0] >= 24 && look.option[1] >= 24, 'options keep a usable size: ' + look.option);
  await page.evaluate(() => Promise.all(document.querySelector('parcours-widget').shadowRoot.getAnimations().map((a) => a.finished)));
  await page.screenshot({ path: SHOTS + 'hostile-page.png' });
  await page.locator('[role=radio][aria-label="5 of 5, very satisfied"]').click(); // clickable: on top of the page's overlay
  assert.equal(await page.locator('[role=radio][aria-checked=true]').count(), 1);
});

test('a bad survey is refused with its field; the good ones and tracking keep working', async () => {
  const page = await openPage(env.browser);
  const visitor = await start(page, { surveys: [{ id: 'ok', questions: [{ type: 'nps' }] }, { id: 'broken', questions: [{ type: 'csat', style: 'hearts' }] }] });
  const errors = page.consoleMessages.filter((m) => m.type === 'error').map((m) => m.text);
  assert.ok(errors.some((t) => t.includes('surveys["broken"].questions[0].style: expected stars, numbers or faces, got "hearts"')), errors.join('\n'));
  assert.equal(await page.evaluate(() => parcours.survey.show('broken')), false);
  assert.equal(await page.evaluate(() => parcours.survey.show('ok')), true);
  await page.evaluate(() => parcours.track('still_tracking'));
  await waitForEvents(env.collector, 'visitor=' + visitor, (evs) => evs.some((e) => e.name === 'still_tracking') && evs.some((e) => e.name === 'survey_shown'));
  assert.deepEqual(page.pageErrors, []);
});

test('no survey while feedback consent is pending; it shows once granted', async () => {
  const page = await openPage(env.browser);
  await start(page, { consent: { analytics: 'granted', feedback: 'pending' } });
  assert.equal(await page.evaluate(() => parcours.survey.show('return-nps')), false);
  assert.ok(page.consoleMessages.some((m) => m.text.includes('feedback consent is pending')));
  await page.evaluate(() => parcours.consent({ feedback: 'granted' }));
  assert.equal(await page.evaluate(() => parcours.survey.show('return-nps')), true);
  await page.evaluate(() => parcours.consent({ feedback: 'denied' }));
  assert.equal(await page.locator('parcours-widget').count(), 0, 'withdrawn consent takes the survey away');
});

test('the demo shop: CSAT after checkout, CES after the support form, NPS on a return visit, all by keyboard', async () => {
  const page = await openPage(env.browser);
  const base = env.collector.url + '/demo/';
  const tabInto = async () => {
    for (let i = 0; i < 30 && !(await focused(page))?.includes(' of '); i++) await page.keyboard.press('Tab');
  };
  await page.goto(base + 'checkout.html');
  await page.waitForFunction(() => parcours.journey && parcours.journey());
  await page.fill('input[name=name]', 'Ada');
  await page.fill('input[name=address]', '1 rue du Café');
  await page.fill('input[name=card]', '4111111111111111');
  await page.click('button[type=submit]');
  await page.locator('[role=radio]').first().waitFor();
  await tabInto();
  await page.keyboard.press('End');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('#parcours-q').textContent(), 'What did you like most?');
  await page.keyboard.press('Escape');
  await page.screenshot({ path: SHOTS + 'demo-checkout.png' });
  // The debug panel says why each survey would or would not show (survey.explain).
  const panelRow = (id) => page.locator('.journey-panel dt', { hasText: 'Survey ' + id }).locator('xpath=following-sibling::dd[1]');
  await page.waitForFunction(() => /held back: frequency/.test(document.querySelector('.journey-panel').textContent));
  assert.match(await panelRow('checkout-csat').textContent(), /^held back: frequency \(shown /, 'once per visitor');
  assert.match(await panelRow('return-nps').textContent(), /^held back: audience \(/, 'a first visit is not a return visit');
  assert.equal(await panelRow('support-ces').textContent(), 'would show when its trigger fires');

  await page.goto(base + 'support.html');
  await page.waitForFunction(() => parcours.journey && parcours.journey());
  await page.fill('textarea[name=message]', 'My grinder is noisy');
  await page.click('button[type=submit]');
  await page.locator('[role=dialog]').waitFor();
  assert.equal(await focused(page), '1 of 7, very difficult', 'the CES modal takes focus, ease wording');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.screenshot({ path: SHOTS + 'demo-support.png' });
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');

  // A return visit: the stored session went quiet two hours ago (edited
  // from a page where Parcours is not started, so nothing rewrites it).
  await page.goto(env.collector.url + '/e2e/survey.html');
  await page.evaluate(() => {
    const parts = localStorage.getItem('parcours.session').split('|');
    parts[3] = String(Date.now() - 2 * 3600 * 1000);
    localStorage.setItem('parcours.session', parts.join('|'));
  });
  await page.goto(base + 'index.html');
  await page.locator('[role=radio][aria-label="10 of 10, extremely likely"]').waitFor();
  await tabInto();
  await page.keyboard.press('End');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  const visitor = await page.evaluate(() => parcours.debug().visitorId);
  const answers = (await waitForEvents(env.collector, 'visitor=' + visitor, (evs) => evs.filter((e) => e.name === 'survey_answered').length === 3))
    .filter((e) => e.name === 'survey_answered')
    .map((e) => [e.properties.survey, e.properties.value, e.properties.touchpoint, e.properties.stage]);
  assert.deepEqual(answers, [
    ['checkout-csat', 5, 'Order Completed', 'purchase'],
    ['support-ces', 3, 'Support Requested', 'retention'],
    ['return-nps', 10, '/demo/index.html', 'awareness'],
  ]);
});

test('under a strict Content Security Policy the nonce lets the widget style itself', async () => {
  const look = async (query) => {
    const page = await openPage(env.browser);
    await page.goto(env.collector.url + '/e2e/csp-survey.html' + query);
    assert.equal(await page.evaluate(() => parcours.survey.show('nps')), true);
    return page.evaluate(() => ({
      position: getComputedStyle(document.querySelector('parcours-widget').shadowRoot.querySelector('.card')).position,
      brand: getComputedStyle(document.querySelector('parcours-widget').shadowRoot.querySelector('.send')).backgroundColor,
      violations: window.cspViolations,
    }));
  };
  assert.deepEqual(await look('?nonce=t3st'), { position: 'fixed', brand: 'rgb(122, 31, 92)', violations: [] }, 'styled and themed');
  const without = await look('');
  assert.equal(without.position, 'static', 'without the nonce the policy blocks the style: the test can fail');
  assert.ok(without.violations.some((v) => v.startsWith('style-src')), without.violations.join());
});

test('thumbs by keyboard and CES by mouse', async () => {
  const page = await openPage(env.browser);
  const visitor = await start(page);
  await page.evaluate(() => {
    document.querySelector('main').insertAdjacentHTML('beforeend', '<section id="slot" aria-label="Was this page helpful?"></section>');
    return parcours.survey.show('helpful');
  });
  await page.locator('[role=radio]').first().focus();
  assert.equal(await focused(page), 'thumbs down');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.locator('[role=radio][aria-checked=true]').getAttribute('aria-label'), 'thumbs up');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');

  await page.evaluate(() => parcours.survey.show('support-ces'));
  await page.locator('[role=radio][aria-label="5 of 7, somewhat agree"]').click();
  await page.locator('.send').click();
  const answers = (await waitForEvents(env.collector, 'visitor=' + visitor, (evs) => evs.filter((e) => e.name === 'survey_answered').length === 2))
    .filter((e) => e.name === 'survey_answered')
    .map((e) => [e.properties.survey, e.properties.questionType, e.properties.value, e.properties.normalized]);
  assert.deepEqual(answers, [['helpful', 'thumbs', 1, 1], ['support-ces', 'ces', 5, 0.667]], 'normalised to 3 places: (5 - 1) / 6');
});

test('themes, dark mode, a bottom sheet on a narrow screen, and survey text that looks like HTML', async () => {
  const page = await openPage(env.browser);
  await start(page, {
    surveys: [
      { id: 'plain', questions: [{ type: 'csat', style: 'numbers' }] },
      { id: 'branded', theme: { brand: '#7a1f5c', radius: '2px' }, questions: [{ type: 'csat', style: 'numbers' }] },
      { id: 'light', theme: { mode: 'light' }, questions: [{ type: 'csat' }] },
      { id: 'html', strings: { submit: '<i>Go</i>' }, questions: [{ type: 'nps', text: '<img src=x onerror="window.pwned=1">Rate <b>us</b>' }] },
    ],
  });
  const look = () => page.evaluate(() => {
    const root = document.querySelector('parcours-widget').shadowRoot;
    const card = root.querySelector('.card');
    const box = card.getBoundingClientRect();
    return {
      background: getComputedStyle(card).backgroundColor,
      radius: getComputedStyle(card).borderTopLeftRadius,
      send: getComputedStyle(root.querySelector('.send')).backgroundColor,
      box: [box.left, box.width, box.bottom].map(Math.round),
    };
  });
  const show = async (id) => {
    await page.evaluate(() => parcours.survey.hide && ['plain', 'branded', 'light', 'html'].forEach((s) => parcours.survey.hide(s)));
    await page.evaluate((id) => parcours.survey.show(id), id);
    await page.evaluate(() => Promise.all(document.querySelector('parcours-widget').shadowRoot.getAnimations().map((a) => a.finished)));
  };

  await show('branded');
  const branded = await look();
  assert.deepEqual([branded.send, branded.radius], ['rgb(122, 31, 92)', '2px'], "the survey's theme");
  const siteTheme = await page.addStyleTag({ content: 'parcours-widget { --parcours-brand: #005500 }' });
  await show('plain');
  assert.equal((await look()).send, 'rgb(0, 85, 0)', "the site's stylesheet themes every survey");
  await show('branded');
  assert.equal((await look()).send, 'rgb(122, 31, 92)', "a survey's own theme wins over the site's");
  await siteTheme.evaluate((style) => style.remove()); // its green is too dark for the dark scheme's text

  await page.emulateMedia({ colorScheme: 'dark' });
  await show('plain');
  assert.equal((await look()).background, 'rgb(31, 31, 31)', 'dark, following prefers-color-scheme');
  await axe(page, 'dark');
  await show('light');
  assert.equal((await look()).background, 'rgb(255, 255, 255)', 'theme.mode light overrides the system');
  await page.emulateMedia({ colorScheme: 'light' });

  await page.setViewportSize({ width: 375, height: 700 });
  await show('plain');
  assert.deepEqual((await look()).box, [0, 375, 700], 'a full-width bottom sheet below 480 px');
  await page.screenshot({ path: SHOTS + 'bottom-sheet.png' });
  // Zooming in shrinks the visual viewport as an on-screen keyboard does:
  // the sheet follows its bottom edge.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setPageScaleFactor', { pageScaleFactor: 2 });
  await page.waitForFunction(() => visualViewport.height < 400);
  const bottom = await page.evaluate(() => visualViewport.offsetTop + visualViewport.height);
  await page.waitForFunction((bottom) => Math.abs(document.querySelector('parcours-widget').shadowRoot.querySelector('.card').getBoundingClientRect().bottom - bottom) < 2, bottom);
  await cdp.send('Emulation.setPageScaleFactor', { pageScaleFactor: 1 });

  await show('html');
  const rendered = await page.evaluate(() => {
    const root = document.querySelector('parcours-widget').shadowRoot;
    return { question: root.querySelector('#parcours-q').textContent, submit: root.querySelector('.send').textContent, elements: root.querySelectorAll('img, b, i').length, pwned: window.pwned };
  });
  assert.deepEqual(rendered, { question: '<img src=x onerror="window.pwned=1">Rate <b>us</b>', submit: '<i>Go</i>', elements: 0, pwned: undefined }, 'survey text is text, never HTML');
  assert.deepEqual(page.pageErrors, []);
});
