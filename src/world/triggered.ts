import type { ExecutionPlan } from '../plan/records.js';

/** What `world.trigger` returns: the plan id at once, and promises for its two milestones. */
export interface Triggered {
  /** The new plan's id. */
  readonly id: string;
  /** The plan after the plan phase (`planned`, or `stopped`/`error` when planning failed). */
  readonly planned: Promise<ExecutionPlan>;
  /** The plan once it is `paused` or `stopped`. */
  readonly finished: Promise<ExecutionPlan>;
}
