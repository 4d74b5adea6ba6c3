/** What the parent tells a child life (as JSON in the FLOWLINE_CHAOS_LIFE variable). */
import type { StoreSpec } from './store-spec.js';

/** The environment variable that carries a {@link LifeConfig}. */
export const LIFE_CONFIG_VARIABLE = 'FLOWLINE_CHAOS_LIFE';

/** One life of the child process. */
export interface LifeConfig {
  /** 1 for the first life. */
  readonly life: number;
  /**
   * The last life: it is not killed; once every plan is triggered it resumes the plans an operator
   * would, waits for everything to stop, closes its world and exits.
   */
  readonly final: boolean;
  readonly store: StoreSpec;
  /** The journal file. */
  readonly journal: string;
  /** Where the engine's warnings and errors go. */
  readonly engineLog: string;
  /** The run's seed: plan shapes come from it. */
  readonly seed: number;
  /** The first plan number this life triggers; it goes on up to `plans - 1`. */
  readonly firstPlan: number;
  /** Plan numbers an earlier life triggered without the world keeping them: triggered first. */
  readonly retryPlans: readonly number[];
  readonly plans: number;
  /** How many plans are triggered together (the next batch waits for them to finish). */
  readonly batch: number;
  /** Final life: how long nothing may change before it stops waiting for plans to stop. */
  readonly settleMs: number;
}
