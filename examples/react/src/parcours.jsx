// Parcours in React: one provider that starts it once, a hook that gives
// the API to components, and page views from the router.
import { createContext, useContext, useEffect, useRef } from 'react';
import { useLocation } from 'react-router';
import parcours from 'parcours';

const ParcoursContext = createContext(parcours);
let started = false;

/**
 * Starts Parcours once for the app (StrictMode's second mount and later
 * renders do not start it again) and records a page view for each route
 * the router shows. The router owns page views, so Parcours' own are off.
 */
export function ParcoursProvider({ options, children }) {
  useEffect(() => {
    if (started) return;
    started = true;
    parcours.init({ ...options, capturePageview: false, captureSpaPageviews: false });
  }, [options]);
  return (
    <ParcoursContext.Provider value={parcours}>
      <PageViews />
      {children}
    </ParcoursContext.Provider>
  );
}

/** The Parcours API: `const { track, survey } = useParcours();` */
export function useParcours() {
  return useContext(ParcoursContext);
}

/** One page view per location the router shows (not two under StrictMode). */
function PageViews() {
  const location = useLocation();
  const last = useRef(null);
  useEffect(() => {
    if (last.current === location.key) return;
    last.current = location.key;
    parcours.page({ route: location.pathname });
  }, [location]);
  return null;
}
