/**
 * Where the console reads plans from: a {@link World} (its public API) or a
 * {@link PersistenceAdapter} (read-only), behind one interface.
 */
import type {
  PersistenceAdapter,
  PlanFilter,
  StepLogLine,
  WorldRecord,
} from '../persistence/adapter.js';
import type { ExecutionPlan } from '../plan/records.js';
import type { World } from '../world/world.js';
import { AdapterSource } from './adapter-source.js';
import { WorldSource } from './world-source.js';

/** A plan that could not be read: its error, and its plan record's summary when it was found. */
export interface UnreadablePlan {
  readonly code: string;
  readonly message: string;
  /** The plan as far as its plan record goes (no actions or steps), when it could be found. */
  readonly summary: ExecutionPlan | undefined;
}

/** The result of looking a plan up by id. */
export type PlanLookup =
  | { readonly kind: 'found'; readonly plan: ExecutionPlan }
  | { readonly kind: 'missing' }
  | { readonly kind: 'unreadable'; readonly error: UnreadablePlan };

/** A plan linked from another one, loaded when possible. */
export interface LinkedPlan {
  readonly id: string;
  /** `undefined` when the plan is gone or cannot be read. */
  readonly plan: ExecutionPlan | undefined;
}

/** Plans chained to a plan (`world.chain`). */
export interface ChainedPlans {
  /** Plans this plan waits for (its prerequisites). */
  readonly waitsFor: readonly LinkedPlan[];
  /** Plans waiting for this plan. */
  readonly waitedForBy: readonly LinkedPlan[];
}

/** Read access to plans, the same for both kinds of console. @internal */
export interface ConsoleSource {
  /** Plans matching the filter, newest first; unreadable ones have `invalid` set. */
  plans(filter: PlanFilter): Promise<ExecutionPlan[]>;
  /** One plan. */
  plan(id: string): Promise<PlanLookup>;
  /** Log lines of one step. */
  stepLog(planId: string, stepId: number): Promise<StepLogLine[]>;
  /** Plans whose parent is this plan, oldest first. */
  subPlans(planId: string): Promise<ExecutionPlan[]>;
  /** Chained plans (none for an unknown plan). */
  chainedPlans(planId: string): Promise<ChainedPlans>;
  /** Registered worlds. */
  worlds(): Promise<WorldRecord[]>;
  /** The id of the console's own world (world mode). */
  readonly worldId: string | undefined;
}

/** How many plan records the console reads at most when it must search the store. */
export const SEARCH_WINDOW = 1000;

/**
 * The source for resolved options: the world when one was given, else the adapter.
 *
 * @internal
 */
export function createSource(
  world: World | undefined,
  adapter: PersistenceAdapter | undefined,
): ConsoleSource {
  if (world !== undefined) return new WorldSource(world);
  if (adapter !== undefined) return new AdapterSource(adapter);
  throw new Error('createSource: neither a world nor an adapter');
}
