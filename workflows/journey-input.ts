/**
 * What a journey workflow is started (and continued-as-new) with.
 */
import type { PlaybookIR } from '../dsl/ir/schema.ts';
import type { Contract, JourneyCustomer, JourneyEvent, TaskCloseInput } from './engine/types.ts';
import type { DriverState } from './journey-driver.ts';
import type { MetricFeed, MetricPull } from './metric-feed.ts';

/** The input of a fresh journey. */
export interface JourneyStart {
  /** The compiled playbook, pinned for the journey's whole life. */
  ir: PlaybookIR;
  customer: JourneyCustomer;
  contract: Contract;
  /** Domain epoch ms. */
  enrolledAt: number;
  /**
   * The domain instant the journey's first workflow task stands for. Leave
   * unset in production (domain time is workflow time); the simulator sets it
   * to `enrolledAt` so a 2026 journey runs on a server whose clock is today.
   */
  domainStart?: number;
  /**
   * Domain time minus workflow time, when the journey continues another's
   * clock (the next term, started by the renewed one); overrides `domainStart`.
   */
  clockOffsetMs?: number;
  /** Events known at enrolment (stored before the journey started), metric feed types excepted. */
  events?: JourneyEvent[];
  /**
   * Closes by people known ahead, each at its own instant (the simulator's
   * timeline `tasks:`, reference §11), queued like events; in production people
   * close tasks through the `closeTask` update instead.
   */
  taskCloses?: TaskCloseInput[];
  /** Event types the journey pulls from Postgres instead of receiving signals (workflows/metric-feed.ts). */
  metrics?: MetricFeed;
  /** Upsert Milepost's custom search attributes (the namespace must have them registered). */
  searchAttributes?: boolean;
  /**
   * Continue as new once the history has this many events, besides when
   * Temporal suggests it (tests use a small value to exercise it).
   */
  historyLimit?: number;
}

/** A journey carried across continue-as-new: compact, everything the next run needs. */
export interface JourneyContinuation {
  ir: PlaybookIR;
  customer: JourneyCustomer;
  contract: Contract;
  enrolledAt: number;
  clockOffsetMs: number;
  /** The engine's JSON state plus the driver's bookkeeping. */
  carried: DriverState;
  /** The metric feed and how far it has pulled, when the journey has one. */
  metrics?: MetricPull;
  searchAttributes?: boolean;
  historyLimit?: number;
}

/** The journey workflow's single argument. */
export type JourneyInput = { kind: 'start'; start: JourneyStart } | { kind: 'continue'; continuation: JourneyContinuation };
