// Generated from core/src/config/table.rs by core/tests/options_docs.rs: do not edit.
import type { BatchEvent } from './index.js';

/** The fields of `init()`'s options (see `ParcoursOptions`). */
export interface ParcoursSettings {
  /** Where batches are POSTed: an absolute `http(s)` URL or a path on this site. */
  endpoint?: string;
  /** Other backends that get the events too, each with its own outbox, batch limits and retries (see Destinations); a refused one is reported and left out. */
  destinations?: Destination[];
  /** Identifies your site to the collector (1-64 of `A-Z a-z 0-9 - _ . :`). */
  writeKey?: string;
  /** Send as soon as this many events wait (1-1000). Default: 30. */
  flushAt?: number;
  /** Send waiting events after this many milliseconds (100-300000). Default: 5000. */
  flushInterval?: number;
  /** Largest request body in bytes; keeps page-hide requests inside the browser's 64 KB keepalive budget (1000-1000000). Default: 60000. */
  maxBatchBytes?: number;
  /** Most events waiting (all tabs together; 1000 in the localStorage fallback); beyond it the oldest raw events are dropped first and counted (`dropped` in the next batch) (10-1000000). Default: 10000. */
  maxQueueEvents?: number;
  /** The same bound in bytes (1000000 in the localStorage fallback) (10000-100000000). Default: 10000000. */
  maxQueueBytes?: number;
  /** Gzip batch bodies of 1 KB or more where the browser has `CompressionStream`; turn off for an endpoint that does not inflate them. Default: true. */
  compress?: boolean;
  /** Minutes of inactivity after which a session ends (1-1440). Default: 30. */
  sessionTimeoutMinutes?: number;
  /** Minutes after which a session ends however active it is; sessions are shared by all tabs of the site (1-10080). Default: 1440. */
  maxSessionMinutes?: number;
  /** Record a page view at `init`. Default: true. */
  capturePageview?: boolean;
  /** Log what Parcours does (each batch, each decision) in the console. Default: false. */
  debug?: boolean;
  /** The journey's stages, in order. Default: awareness, consideration, decision, purchase, retention, advocacy. */
  stages?: string[];
  /** Which touchpoints enter which stage; every condition given must hold. */
  stageRules?: StageRule[];
  /** Events that count as conversions, and where to read their value. */
  conversions?: { event: string; valueProperty?: string; currencyProperty?: string; currency?: string }[];
  /** Send journey summaries (and identify calls) but no raw events. Default: false. */
  summariesOnly?: boolean;
  /** Steps kept per session journey; later ones are counted (10-1000). Default: 200. */
  maxJourneySteps?: number;
  /** Page views on history changes and `#/` or `#!` hash routes. Default: true. */
  captureSpaPageviews?: boolean;
  /** A `replaceState` that keeps the path records a page view. Default: false. */
  pageviewOnReplaceState?: boolean;
  /** Record `data-parcours-touchpoint` clicks and `data-parcours-view` views. Default: true. */
  captureTouchpoints?: boolean;
  /** Touchpoints declared by CSS selector. */
  touchpoints?: { selector: string; name: string; stage?: string; trigger?: 'click' | 'view' }[];
  /** More query parameters to keep in recorded URLs, or `true` for all. Default: UTM tags and click ids. */
  keepQueryParams?: true | string[];
  /** Query parameters always removed from recorded URLs and referrers (also with `keepQueryParams: true`). */
  stripQueryParams?: string[];
  /** Mask emails, card numbers, phones and tokens in URLs, titles and properties. Default: true. */
  maskPersonalData?: boolean;
  /** Consent at start, for every purpose or per purpose (see Privacy). Default: 'granted'. */
  consent?: ConsentState | { analytics?: ConsentState; feedback?: ConsentState };
  /** Do Not Track and Global Privacy Control deny analytics. Default: true. */
  respectPrivacySignals?: boolean;
  /** Where the visitor, session and journey are kept: `localStorage`, `sessionStorage` (one tab) or nowhere (cookieless, one page load). Default: 'local'. */
  persistence?: 'local' | 'session' | 'none';
  /** Friction detectors and their thresholds; `false` turns one off (see below). Default: all on. */
  friction?: FrictionOptions;
  /** Form events and outbound or download links. Default: true. */
  captureForms?: boolean;
  /** Feedback surveys (see Feedback surveys); a bad definition is reported and left out, the others load. */
  surveys?: Survey[];
  /** Days between any two surveys shown by their triggers; 0 turns the cooldown off (0-365). Default: 7. */
  surveyCooldownDays?: number;
  /** More surveys, served at this URL as `{ "surveys": [ … ] }` (e.g. the collector's `/v1/surveys`; see Remote definitions). */
  surveysUrl?: string;
  /** Seconds a fetched copy of `surveysUrl` is used before it is revalidated (0-86400). Default: 300. */
  surveysTtlSeconds?: number;
}

/** Options the JavaScript shell keeps for itself (never given to the core). */
export interface ShellSettings {
  /** Where to load the WebAssembly from (the build for what `init` defines: `parcours_bg.wasm`, `parcours_surveys_bg.wasm`, …). Default: beside the script. */
  wasmUrl?: string | URL;
  /** Script tag only: where `parcours-widget.js` is. Default: beside the script. */
  widgetUrl?: string | URL;
  /** The nonce of your Content Security Policy, for the widget's style (and script) element. */
  nonce?: string;
  /** Sees every event before it is stored: return it (changed or not), or `null` to drop it. Its id, type, time, visitor and session stay as they were. */
  beforeSend?: (event: BatchEvent) => BatchEvent | null;
}
