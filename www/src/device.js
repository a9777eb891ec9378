// What the browser says about the device and the visitor's privacy choices,
// for the core: coarse device facts (sizes, language, time zone, client-hint
// platform), Do Not Track, Global Privacy Control, and the consent the page
// gave with parcours.consent(). The core decides what follows from them.
export function reportEnvironment(consent) {
  try {
    const hints = navigator.userAgentData;
    return JSON.stringify({
      viewportWidth: innerWidth,
      viewportHeight: innerHeight,
      screenWidth: screen.width,
      screenHeight: screen.height,
      language: navigator.language,
      timeZone: timeZone(),
      platform: hints ? hints.platform : undefined,
      mobile: hints ? hints.mobile : undefined,
      touchPoints: navigator.maxTouchPoints || 0,
      doNotTrack: navigator.doNotTrack === '1' || window.doNotTrack === '1',
      globalPrivacyControl: navigator.globalPrivacyControl === true,
      consent,
    });
  } catch (e) {
    return JSON.stringify({ consent });
  }
}

let zone = '';
/**
 * The IANA time zone. Temporal answers at once; Intl's first DateTimeFormat
 * loads locale data (20–90 ms of main thread on a cold page, the largest
 * part of `ready` when it was the only way), so it is the fallback.
 */
function timeZone() {
  for (const ask of [() => Temporal.Now.timeZoneId(), () => Intl.DateTimeFormat().resolvedOptions().timeZone]) {
    try {
      zone = zone || ask();
    } catch (e) {}
  }
  return zone || '';
}
