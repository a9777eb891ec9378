// Public types of the npm package. The fields of ParcoursOptions and
// ShellSettings are generated from the core's option table
// (core/src/config/table.rs, through src/options.d.ts) so the types cannot
// drift from what init() accepts.
import type { ParcoursOptions, ShellSettings, ConsentState, Survey, SurveyQuestion, Destination, DestinationRequest } from './core.js';
export type { ParcoursOptions, ShellSettings, ConsentState, Survey, SurveyQuestion, Destination, DestinationRequest };

/** A JSON-serialisable object of event properties or user traits. */
export type Properties = Record<string, unknown>;

/**
 * What a backend receives: the body of each POST to `init({ endpoint })`
 * (or a destination of type `parcours`). Its JSON Schema ships as
 * `parcours/batch.schema.json`; the collector checks the same rules.
 */
export interface Batch {
  /** Format version. */
  v: 1;
  /** Identifies the batch in logs. */
  batchId?: string;
  /** When it was sent, in ms since 1970 (the browser's clock). */
  sentAt?: number;
  /** The site's key (`init({ writeKey })`). */
  writeKey?: string;
  /** Events the SDK had to drop (its queue caps) since the last batch. */
  dropped?: number;
  events: BatchEvent[];
}

/** One event of a batch, as the collector stores it. */
export interface BatchEvent {
  /** Unique per event (a journey summary's is `j-<sessionId>`): a resent event is stored once. */
  id: string;
  type: 'track' | 'page' | 'identify' | 'group' | 'alias';
  /** `page_view` for pages, `identify`, `group` and `alias` for those calls; for track, the site's name or Parcours' own (`page_leave`, `friction`, `journey_summary`, `survey_answered`, …). */
  name: string;
  /** When it happened, in ms since 1970. */
  ts: number;
  visitorId: string;
  sessionId: string;
  /** Set once `identify()` was called; for alias, the new id. */
  userId?: string;
  /** group: the group's id. */
  groupId?: string;
  /** alias: the other id of the same person. */
  previousId?: string;
  /** track and page: what the site or Parcours attached (with the super properties of `register`). */
  properties?: Properties;
  /** identify and group: the traits the site gave. */
  traits?: Properties;
  context: {
    page: { url: string; path: string; title: string; referrer: string };
    library: { name: string; version: string };
    /** Coarse device facts: no fingerprinting. */
    device?: { class?: 'mobile' | 'tablet' | 'desktop'; viewport?: string; screen?: string; language?: string; timeZone?: string; platform?: string };
    campaign?: Record<string, string>;
    /** The group of the user's last `group()` call. */
    groupId?: string;
  };
}

/** An error reported by Parcours: `code` and `field` say what to fix. */
export declare class ParcoursError extends Error {
  readonly code: 'invalid_option' | 'invalid_call' | 'batch_rejected' | 'load_failed' | string;
  /** Path of the offending field, e.g. "options.flushAt" or "properties". */
  readonly field: string;
}

export interface FlushResult {
  /** True when nothing is left to send. */
  ok: boolean;
  /** Events still waiting (e.g. the backend is down; they are retried). */
  pending: number;
}

export interface ParcoursState {
  visitorId: string;
  userId: string | null;
  sessionId: string | null;
  sessionIndex?: number;
  pending: number;
  /** Events dropped since start: the oldest raw events of a full queue, and those the backend refused. */
  dropped: number;
  /** Events the backend refused for good (each alone: the others of its batch are delivered). */
  refused: number;
  /** Whether this tab sends the site's outbox (one tab does; the others only write to it). */
  sender: boolean;
  storageDegraded: boolean;
}

export interface FlushEvent {
  status: number;
  result: 'delivered' | 'retry' | 'rejected';
  events: number;
  /** For the endpoint: events the collector stored the batch without (it names each in its answer). */
  refused: number;
  /** The destination's id; absent for the endpoint. */
  destination?: string;
  /** For a destination: what its encoder shortened or left out for the backend's limits, one sentence each. */
  notes?: string[];
}

export type Channel =
  | 'direct' | 'organic_search' | 'paid_search' | 'organic_social' | 'paid_social'
  | 'email' | 'referral' | 'display' | 'affiliate' | 'internal';
export type Emotion = 'negative' | 'neutral' | 'positive';

/** How a session began (from the landing URL and the referrer). */
export interface Touch {
  channel: Channel;
  source?: string;
  medium?: string;
  campaign?: string;
  term?: string;
  content?: string;
  /** The ad click id parameter present, e.g. "gclid". */
  clickId?: string;
  clickIdValue?: string;
  referrerHost?: string;
  landingPath?: string;
  at: number;
}

export interface JourneyStep {
  touchpoint: string;
  kind: 'page' | 'track' | 'touchpoint';
  /** The page's path, when it differs from `touchpoint` (absent on page steps, whose touchpoint is their path). */
  path?: string;
  stage?: string;
  /** Milliseconds since the session started. */
  at: number;
  dwellMs: number;
  emotion: Emotion;
  emotionFromFeedback?: boolean;
  friction?: string[];
  feedback?: { survey: string; questionType: string; value: number }[];
}

/** A session's journey: also the properties of the `journey_summary` event. */
export interface Journey {
  v: 1;
  sessionId: string;
  sessionIndex: number;
  previousSessionId?: string;
  startedAt: number;
  lastActivityAt: number;
  /** In summaries: why the session ended. */
  endReason?: 'timeout' | 'max_length' | 'new_campaign' | 'reset';
  channel: Channel;
  touch: Touch;
  landing: string;
  exit: string;
  steps: JourneyStep[];
  truncatedSteps: number;
  stages: { stage: string; at: number; touchpoint: string }[];
  currentStage?: string;
  furthestStage?: string;
  conversions: { name: string; value?: number; currency?: string; at: number; step?: number }[];
  /** Count per friction type, e.g. { rage_click: 2 }. */
  friction: Record<string, number>;
  /** -1, 0 or 1 per step. */
  emotionCurve: (-1 | 0 | 1)[];
  momentsOfTruth: { step: number; reason: 'strong_emotion' | 'first_conversion' | 'support_contact' | 'friction_before_conversion' | 'friction_before_exit' }[];
  pageCount: number;
  eventCount: number;
  engagedMs: number;
  durationMs: number;
  bounce: boolean;
}

export interface JourneyState {
  journey: Journey | null;
  firstTouch: Touch | null;
  lastTouch: Touch | null;
}

export interface ParcoursEvents {
  ready: ParcoursState;
  /** A new session began. */
  session: { type: 'session'; sessionId: string; sessionIndex: number; channel: Channel; reason: string };
  /** The journey entered a stage for the first time in this session. */
  stage: { type: 'stage'; stage: string; touchpoint: string };
  friction: { type: 'friction'; friction: string; touchpoint: string };
  conversion: { type: 'conversion'; touchpoint: string };
  flush: FlushEvent;
  /** Consent in force after parcours.consent(…) (privacy signals applied). */
  consent: { analytics: ConsentState; feedback: ConsentState };
  error: ParcoursError;
  survey_shown: SurveyEvent & { questions: number; placement: string; language: string };
  survey_answered: SurveyEvent & {
    question: number;
    questionType: 'csat' | 'ces' | 'nps' | 'thumbs' | 'text';
    scaleMin?: number;
    scaleMax?: number;
    value?: number;
    /** 0-1, higher is better. */
    normalized?: number;
    text?: string;
    wording?: 'agreement' | 'ease';
    style?: 'stars' | 'numbers' | 'faces';
    language: string;
  };
  survey_completed: SurveyEvent & { answered: number };
  survey_dismissed: SurveyEvent & { atQuestion: number; answered: number };
}

/** What `parcours.survey.explain(id)` returns. */
export interface SurveyExplanation {
  survey: string;
  /** Every check passed: its trigger would show it now (show() always does). */
  show: boolean;
  /** How many triggers it has; 0: only survey.show(id) shows it. */
  triggers?: number;
  /** The A/B variant this visitor gets. */
  variant?: string;
  checks: { rule: string; ok: boolean; detail: string }[];
  onScreen?: boolean;
  /** A trigger fired and its delay is running. */
  scheduled?: boolean;
  error?: string;
}

/** What every survey event carries: one submission id per showing. */
export interface SurveyEvent {
  survey: string;
  /** The A/B variant shown, when the survey has variants. */
  variant?: string;
  submission: string;
  touchpoint?: string;
  stage?: string;
}

export interface Parcours {
  /**
   * Starts Parcours. Calls made before are kept and sent once it starts.
   * @example parcours.init({ endpoint: 'https://collect.example.com/v1/batch', writeKey: 'wk_live_1' })
   */
  init(options: ParcoursOptions & ShellSettings): void;
  /** @example parcours.track('Signed Up', { plan: 'pro' }) */
  track(name: string, properties?: Properties): void;
  /** Records a page view (one is recorded at init unless capturePageview is false). */
  page(properties?: Properties): void;
  /** @example parcours.identify('user_42', { plan: 'pro' }) */
  identify(userId: string | number, traits?: Properties): void;
  /**
   * Puts the user in a group (a company, an account): a `group` event, then `context.groupId`
   * on every later event until reset().
   * @example parcours.group('acme', { name: 'Acme', plan: 'enterprise' })
   */
  group(groupId: string | number, traits?: Properties): void;
  /**
   * Tells the backend that two ids are one person: `previousId` (by default the current user id,
   * or else the anonymous id) and `userId`. Changes no id in the browser.
   * @example parcours.alias('user_42')
   */
  alias(userId: string, previousId?: string): void;
  /**
   * Super properties: added to every later track, page and touchpoint event (an event's own
   * properties win), kept in storage across pages until reset().
   * @example parcours.register({ plan: 'pro', appVersion: '4.2' })
   */
  register(properties: Properties): void;
  /** Like register(), but a property already registered keeps its value. */
  register_once(properties: Properties): void;
  /** Removes one super property. */
  unregister(name: string): void;
  /** The visitor's anonymous id, or null until Parcours is ready. */
  anonymousId(): string | null;
  /**
   * Calls `callback` once Parcours is ready, at once (in a microtask) if it already is, and
   * resolves with the same state.
   */
  ready(callback?: (state: ParcoursState) => void): Promise<ParcoursState>;
  /**
   * Records a touchpoint from code (a `touchpoint` event whose `properties.touchpoint` names it).
   * @example parcours.touchpoint('chat-opened', { topic: 'billing', stage: 'retention' })
   */
  touchpoint(name: string, properties?: Properties): void;
  /**
   * Sets consent for every purpose or per purpose. Pending keeps calls in memory only;
   * granted sends them; denied drops them, stops listening and erases what Parcours stored.
   * @example parcours.consent('granted'); parcours.consent({ analytics: 'denied', feedback: 'granted' })
   */
  consent(state: ConsentState | { analytics?: ConsentState; feedback?: ConsentState }): void;
  /** The consent in force (privacy signals applied), or null until Parcours is ready. */
  consent(): { analytics: ConsentState; feedback: ConsentState } | null;
  /** The visitor opts out: consent denied and erased storage now, and on later visits until consent is granted again. */
  optOut(): void;
  /** Stops Parcours on this page: sends what waits, removes every listener, restores history.pushState/replaceState. */
  shutdown(): void;
  /** Forgets the user: a new anonymous visitor and session follow (e.g. on logout). */
  reset(): void;
  /** Sends everything recorded so far. Never rejects. */
  flush(): Promise<FlushResult>;
  /** @returns a function that removes the listener */
  on<K extends keyof ParcoursEvents>(name: K, callback: (detail: ParcoursEvents[K]) => void): () => void;
  /** The journey of the current session, computed in the browser, or null before init succeeded. */
  journey(): JourneyState | null;
  /** Identity and queue state, or null before init succeeded. */
  debug(): ParcoursState | null;
  survey: {
    /**
     * Shows a survey of init({ surveys }) now. Resolves to true once on screen, false when it
     * is not shown (consent, another survey on screen, a bad definition; the console says why).
     */
    show(id: string): Promise<boolean>;
    /**
     * Why a survey would or would not show now, rule by rule (consent, schedule, audience,
     * sample, frequency, session, cooldown, screen), to test targeting.
     */
    explain(id: string): SurveyExplanation;
    /** Takes a survey off the screen (a dismissal unless it was completed). */
    hide(id: string): void;
  };
}

declare const parcours: Parcours;
export default parcours;
export declare const init: Parcours['init'];
export declare const track: Parcours['track'];
export declare const page: Parcours['page'];
export declare const identify: Parcours['identify'];
export declare const group: Parcours['group'];
export declare const alias: Parcours['alias'];
export declare const register: Parcours['register'];
export declare const register_once: Parcours['register_once'];
export declare const unregister: Parcours['unregister'];
export declare const anonymousId: Parcours['anonymousId'];
export declare const ready: Parcours['ready'];
export declare const touchpoint: Parcours['touchpoint'];
export declare const consent: Parcours['consent'];
export declare const optOut: Parcours['optOut'];
export declare const shutdown: Parcours['shutdown'];
export declare const reset: Parcours['reset'];
export declare const flush: Parcours['flush'];
export declare const on: Parcours['on'];
export declare const journey: Parcours['journey'];
export declare const debug: Parcours['debug'];
export declare const survey: Parcours['survey'];
