// How the SDK's surveys are wired to the facade: the showing (surveys.js),
// the page watched for the triggers (survey-triggers.js) and the
// definitions of init({ surveysUrl }) (remote-surveys.js). Part of the
// survey kit, so a page without surveys downloads none of it: the facade
// holds a stand-in with the same methods until the kit arrives.

import { createSurveys } from './surveys.js';
import { watchSurveyTriggers, watchesAnything } from './survey-triggers.js';
import { createRemoteSurveys } from './remote-surveys.js';
import { SURVEY_SIGNAL } from './codes.js';

/**
 * `sdk`: what surveys.js may do with the SDK (see createSurveys), plus
 * `signal(fn)` (runs `fn(core)` once calls are recorded, when analytics are
 * granted; then hands the notices on), `consent()` ({ analytics, feedback }
 * in force), `listening()` and `reportWorded(report, errors, ask)`.
 */
export function connectSurveys(sdk) {
  const surveys = createSurveys(sdk);
  let watch = null; // the page watched for the triggers, while the SDK listens

  /** A browser signal for survey triggers (time on page, scroll, exit intent, a click). */
  const signal = (kind, value, text) => sdk.signal((c) => c.call(SURVEY_SIGNAL, text, location.href, kind, value, Date.now()));

  /** Watches the page for what the surveys' triggers ask now (this changes when definitions arrive). */
  function watchFor(asked) {
    if (watch) watch.update(asked);
    else if (watchesAnything(asked)) watch = watchSurveyTriggers(signal, asked);
  }

  const remote = createRemoteSurveys({
    guarded: sdk.guarded,
    reportError: sdk.reportError,
    applied(result, url) {
      // Definitions with errors come back with them from a build without words.
      sdk.reportWorded({ texts: !result.body }, result.errors, (m) => m.explainSurveys(url, result.body));
      for (const message of result.warnings) sdk.warn(message);
      if (sdk.listening()) watchFor(result.watch);
      // Definitions that arrived after the page view may have fired its triggers.
      sdk.signal(() => 0);
    },
  });

  return Object.assign(surveys, {
    /** The SDK (re)started: hides what consent no longer allows, loads init({ surveysUrl }). */
    started(report) {
      const { analytics, feedback } = sdk.consent();
      if (analytics === 'denied' || feedback !== 'granted') surveys.hideAll();
      if (!report.surveysUrl || analytics !== 'granted' || feedback !== 'granted') return;
      let url;
      try {
        url = new URL(report.surveysUrl, location.href).href;
      } catch (e) {
        return sdk.reportError({ code: 'invalid_option', field: 'options.surveysUrl', message: 'options.surveysUrl: ' + report.surveysUrl + ' is not a URL on this page' });
      }
      remote.load(url);
    },
    listen: (report) => watchFor(report.surveyWatch),
    newPage: () => watch && watch.newPage(),
    stop() {
      if (watch) watch.stop();
      watch = null;
    },
  });
}
