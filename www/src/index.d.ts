// Public types of the npm package. ParcoursOptions is generated from the
// Rust config (see src/lib.rs) so the types cannot drift from what init() accepts.
import type { ParcoursOptions } from './core.js';
export type { ParcoursOptions };

/** A JSON-serialisable object of event properties or user traits. */
export type Properties = Record<string, unknown>;

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
  dropped: number;
  storageDegraded: boolean;
}

export interface FlushEvent {
  status: number;
  result: 'delivered' | 'retry' | 'rejected';
  events: number;
}

export interface ParcoursEvents {
  ready: ParcoursState;
  session: ParcoursState;
  flush: FlushEvent;
  error: ParcoursError;
}

export interface Parcours {
  /**
   * Starts Parcours. Calls made before are kept and sent once it starts.
   * @example parcours.init({ endpoint: 'https://collect.example.com/v1/batch', writeKey: 'wk_live_1' })
   */
  init(options: ParcoursOptions & { wasmUrl?: string | URL }): void;
  /** @example parcours.track('Signed Up', { plan: 'pro' }) */
  track(name: string, properties?: Properties): void;
  /** Records a page view (one is recorded at init unless capturePageview is false). */
  page(properties?: Properties): void;
  /** @example parcours.identify('user_42', { plan: 'pro' }) */
  identify(userId: string | number, traits?: Properties): void;
  /** Forgets the user: a new anonymous visitor and session follow (e.g. on logout). */
  reset(): void;
  /** Sends everything recorded so far. Never rejects. */
  flush(): Promise<FlushResult>;
  /** @returns a function that removes the listener */
  on<K extends keyof ParcoursEvents>(name: K, callback: (detail: ParcoursEvents[K]) => void): () => void;
  /** Identity and queue state, or null before init succeeded. */
  debug(): ParcoursState | null;
}

declare const parcours: Parcours;
export default parcours;
export declare const init: Parcours['init'];
export declare const track: Parcours['track'];
export declare const page: Parcours['page'];
export declare const identify: Parcours['identify'];
export declare const reset: Parcours['reset'];
export declare const flush: Parcours['flush'];
export declare const on: Parcours['on'];
export declare const debug: Parcours['debug'];
