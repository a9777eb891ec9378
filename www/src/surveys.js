// parcours.survey: shows a survey defined in init({ surveys }) through the
// widget, which is loaded the first time one is shown (never before), and
// records what the visitor does: survey_shown, survey_answered (each
// question), survey_completed, survey_dismissed, all with one submission id.
// The core writes every plan and event; this file only moves them between
// the core, the widget and the queue of calls.

/**
 * `sdk`: { guarded, record(name, properties), catchUp(), refusal() -> '' or
 * why not, ready() -> Promise, loadWidget() -> Promise<present>, nonce(),
 * warn, reportError }.
 */
export function createSurveys(sdk) {
  let presenter = null;
  const onScreen = new Map(); // survey id -> { close, waiting }

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

  function mount(present, id) {
    const refusal = sdk.refusal(); // again: consent may have changed while the widget loaded
    if (refusal) return sdk.warn('survey.show("' + id + '") was ignored: ' + refusal), false;
    sdk.catchUp(); // the journey's touchpoint and stage as of now
    const opened = sdk.guarded((c) => JSON.parse(c.survey_open(id, languages(), Date.now())), null);
    if (!opened) return false;
    if (opened.error) return sdk.reportError(opened.error), false;
    const submission = opened.submission;
    const answer = (value, text) => {
      sdk.catchUp();
      const result = sdk.guarded((c) => JSON.parse(c.survey_answer(submission, value, text)), null);
      if (result && result.answered) sdk.record('survey_answered', result.answered);
      if (result && result.completed) sdk.record('survey_completed', result.completed);
      return result;
    };
    const closed = () => {
      onScreen.delete(id);
      const dismissed = sdk.guarded((c) => c.survey_close(submission), '');
      if (dismissed) sdk.record('survey_dismissed', JSON.parse(dismissed));
    };
    let shown;
    try {
      shown = present(opened, sdk.nonce(), { answer, closed, opened: () => sdk.record('survey_shown', opened.shown) });
    } catch (e) {
      sdk.guarded((c) => c.survey_close(submission));
      sdk.reportError({ code: 'survey_not_shown', field: 'surveys["' + id + '"]', message: String(e && e.message ? e.message : e) });
      return false;
    }
    onScreen.set(id, shown);
    if (!shown.waiting()) sdk.record('survey_shown', opened.shown);
    return true;
  }

  return {
    /**
     * Shows survey `id` now. Resolves to true once it is on screen, false
     * when it is not shown (the console says why); never rejects.
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
        for (const [other, shown] of onScreen) {
          if (!shown.waiting()) return sdk.warn('survey.show("' + id + '") was ignored: survey "' + other + '" is on screen'), false;
        }
        return load().then(
          (present) => mount(present, id),
          (error) => {
            sdk.reportError({ code: 'widget_load_failed', field: 'widgetUrl', message: 'the survey widget could not be loaded (' + (error && error.message) + '); survey "' + id + '" was not shown' });
            return false;
          },
        );
      });
    },

    /** Takes survey `id` off the screen (a dismissal unless it was completed). */
    hide(id) {
      const shown = onScreen.get(id);
      if (shown) shown.close();
    },

    /** Takes every survey off the screen (consent denied, shutdown). */
    hideAll() {
      for (const shown of Array.from(onScreen.values())) shown.close();
    },
  };
}
