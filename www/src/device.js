// What the browser can say about the device, coarse on purpose (sizes,
// language, time zone, client-hint platform); the core turns it into the
// device context and class.
export function reportDevice() {
  try {
    const hints = navigator.userAgentData;
    return JSON.stringify({
      viewportWidth: innerWidth,
      viewportHeight: innerHeight,
      screenWidth: screen.width,
      screenHeight: screen.height,
      language: navigator.language,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      platform: hints ? hints.platform : undefined,
      mobile: hints ? hints.mobile : undefined,
      touchPoints: navigator.maxTouchPoints || 0,
    });
  } catch (e) {
    return '{}';
  }
}
