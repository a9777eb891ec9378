// parcours.survey: shows a survey defined in init({ surveys }) through the
// widget, which is loaded the first time one is shown (never before), and
// records what the visitor does: survey_shown, survey_answered (each
// question), survey_completed, survey_dismissed, all with one submission id.
// A survey with a trigger comes here as a core notice: after its delay it
// is claimed (the core judges its rules again and writes the showing to the
// history before anything is drawn, under a Web Lock shared by the tabs).
// The core writes every plan, verdict and event; this file only moves them
// between the core, the widget and the queue of calls.

import { SURVEY_ANSWER, SURVEY_CLAIM, SURVEY_CLOSE, SURVEY_EXPLAIN, SURVEY_OPEN } from './codes.js';

/** The lock that makes a claim (judge, then mark) atomic across tabs. */
const CLAIM_LOCK = 'parcours.survey-claim';
/**
 * How long a claim keeps the lock after it is decided. The mark is in
 * localStorage, which reaches a tab in another renderer process a moment
 * after it is written; the next tab's claim waits that moment.
 */
const SETTLE_MS = 500;

/**
 * `sdk`: { guarded, record(name, properties: JSON text), catchUp(), refusal() -> '' or
 * why not, ready() -> Promise, loadWidget() -> Promise<present>, nonce(),
 * debug(), warn, reportError }.
 */
export function createSurveys(sdk) {
  let presenter = null;
  const onScreen = new Map(); // survey id -> { close, waiting }
  const scheduled = new Map(); // survey id -> timer of a triggered survey

  const languages = () =>
    [document.documentElement.lang]
      .concat(navigator.languages || [navigator.language])
      .filter(Boolean)
      .join(',');

  function load() {
    if (!presenter) {
      presenter = sdk.loadWidget().catch((error) => {
        presenter = null; // a later show() tries again
        throw error;
      });
    }
    return presenter;
  }

  /** The survey on screen, other than a Feedback tab waiting to be opened. */
  function showing() {
    for (const [other, shown] of onScreen) if (!shown.waiting()) return other;
    return '';
  }

  /** Runs `claim` alone among the site's tabs (Web Locks), or at once without them. */
  function exclusively(claim) {
    if (!navigator.locks || typeof navigator.locks.request !== 'function') return Promise.resolve(claim());
    return new Promise((resolve) => {
      let decided = false;
      navigator.locks
        .request(CLAIM_LOCK, () => {
          decided = true;
          resolve(claim());
          return new Promise((release) => setTimeout(release, SETTLE_MS));
        })
        .catch(() => decided || resolve(claim()));
    });
  }

  function claim(id, triggerPath, forced) {
    return exclusively(() =>
      sdk.guarded((c) => JSON.parse(c.call(SURVEY_CLAIM, id, JSON.stringify([location.href, languages(), triggerPath]), forced ? 1 : 0, Date.now())), null),
    );
  }

  function mount(present, id, variant) {
    const refusal = sdk.refusal(); // again: consent may have changed while the widget loaded
    if (refusal) return sdk.warn('survey "' + id + '" was not shown: ' + refusal), false;
    sdk.catchUp(); // the journey's touchpoint and stage as of now
    // The events' properties come from the core as text and go back as they are.
    const [plans, shownProperties] = sdk.guarded((c) => c.call(SURVEY_OPEN, id, JSON.stringify([variant, languages()]), Date.now()), '').split('\n');
    const opened = plans ? JSON.parse(plans) : null;
    if (!opened) return false;
    if (opened.error) return sdk.reportError(opened.error), false;
    const submission = opened.submission;
    const answer = (value, text) => {
      sdk.catchUp();
      const [result, answered, completed] = sdk.guarded((c) => c.call(SURVEY_ANSWER, submission, text, value), '').split('\n');
      if (answered) sdk.record('survey_answered', answered);
      if (completed) sdk.record('survey_completed', completed);
      return result ? JSON.parse(result) : null;
    };
    const closed = () => {
      onScreen.delete(id);
      const dismissed = sdk.guarded((c) => c.call(SURVEY_CLOSE, submission, '', Date.now()), '');
      if (dismissed) sdk.record('survey_dismissed', dismissed);
    };
    let shown;
    try {
      shown = present(opened, sdk.nonce(), { answer, closed, opened: () => sdk.record('survey_shown', shownProperties) });
    } catch (e) {
      sdk.guarded((c) => c.call(SURVEY_CLOSE, submission, '', Date.now()));
      sdk.reportError({ code: 'survey_not_shown', field: 'surveys["' + id + '"]', message: String(e && e.message ? e.message : e) });
      return false;
    }
    onScreen.set(id, shown);
    if (!shown.waiting()) sdk.record('survey_shown', shownProperties);
    return true;
  }

  /** Claims survey `id`, then loads the widget and draws it. */
  function display(id, triggerPath, forced) {
    return claim(id, triggerPath, forced).then((verdict) => {
      if (!verdict) return false;
      if (!verdict.ok) {
        if (sdk.debug()) {
          const failed = verdict.checks.filter((c) => !c.ok).map((c) => c.rule + ': ' + c.detail);
          console.debug('[parcours] survey "' + id + '" was not shown: ' + failed.join('; '));
        }
        return false;
      }
      return load().then(
        (present) => {
          // The widget may have taken a moment to load: the visitor may have moved on.
          if (triggerPath && location.pathname !== triggerPath) return false;
          return mount(present, id, verdict.variant);
        },
        (error) => {
          sdk.reportError({ code: 'widget_load_failed', field: 'widgetUrl', message: 'the survey widget could not be loaded (' + (error && error.message) + '); survey "' + id + '" was not shown' });
          return false;
        },
      );
    });
  }

  return {
    /**
     * Shows survey `id` now: the site's own decision, so its targeting
     * rules are not applied (the showing still counts for them). Resolves
     * to true once it is on screen, false when it is not shown (the
     * console says why); never rejects.
     */
    show(id) {
      if (typeof id !== 'string' || !id) {
        sdk.warn('survey.show(id): id must be the id of a survey in init({ surveys }); got ' + typeof id + '. The call was ignored.');
        return Promise.resolve(false);
      }
      return sdk.ready().then(() => {
        const refusal = sdk.refusal();
        if (refusal) return sdk.warn('survey.show("' + id + '") was ignored: ' + refusal), false;
        if (onScreen.has(id)) return true;
        const other = showing();
        if (other) return sdk.warn('survey.show("' + id + '") was ignored: survey "' + other + '" is on screen'), false;
        return display(id, '', true);
      });
    },

    /** A trigger fired (a core notice): shows the survey after its delay, if it still may. */
    triggered(notice) {
      const id = notice.survey;
      if (scheduled.has(id) || onScreen.has(id)) return;
      const timer = setTimeout(() => {
        if (sdk.refusal() || showing()) return scheduled.delete(id);
        display(id, notice.path, false).finally(() => scheduled.delete(id));
      }, notice.delay);
      scheduled.set(id, timer);
    },

    /**
     * Why survey `id` would or would not show now: { survey, show,
     * checks: [{ rule, ok, detail }], … }. For testing targeting.
     */
    explain(id) {
      const refusal = sdk.refusal();
      const verdict = sdk.guarded((c) => JSON.parse(c.call(SURVEY_EXPLAIN, String(id), JSON.stringify([location.href, languages()]), Date.now())), null);
      if (!verdict) return { survey: id, show: false, checks: [{ rule: 'ready', ok: false, detail: 'Parcours has not started' }] };
      if (!verdict.checks) return verdict; // no survey has this id: verdict.error says so
      verdict.checks.unshift({ rule: 'consent', ok: !refusal, detail: refusal || 'feedback consent is granted' });
      const other = showing();
      verdict.checks.push({ rule: 'screen', ok: !other || other === id, detail: other ? 'survey "' + other + '" is on screen' : 'no other survey on screen' });
      verdict.show = verdict.checks.every((c) => c.ok);
      verdict.onScreen = onScreen.has(id);
      verdict.scheduled = scheduled.has(id);
      return verdict;
    },

    /** Takes survey `id` off the screen (a dismissal unless it was completed). */
    hide(id) {
      const shown = onScreen.get(id);
      if (shown) shown.close();
    },

    /** Takes every survey off the screen and forgets those waiting for their delay. */
    hideAll() {
      for (const timer of scheduled.values()) clearTimeout(timer);
      scheduled.clear();
      for (const shown of Array.from(onScreen.values())) shown.close();
    },
  };
}
