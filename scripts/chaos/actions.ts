/**
 * The actions of the chaos plans. Every run and finalize step journals `start` before its work and
 * `end` after it, with a token new to each execution (`<life>.<count>`), and appends that token
 * to its action's output (`runs` for the run step, `fins` for the finalize step). A step starts
 * from the last committed output, so the stored list is exactly the chain of committed executions
 * of that step: one token when it ran once, more when a committed step ran again.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Action } from '../../src/index.js';
import type { ActionClass } from '../../src/index.js';
import type { LeafKind, PlanShape } from './plan-shapes.js';

/** Writes one journal line (see journal.ts). */
export type JournalWriter = (kind: string, ...fields: readonly (string | number)[]) => void;

/** Where the steps of this process journal, and which life they belong to. */
interface StepJournal {
  readonly write: JournalWriter;
  readonly life: number;
  count: number;
}

let journal: StepJournal | undefined;

/** Sets where the steps run in this process journal, and their life number. */
export function journalStepsTo(write: JournalWriter, life: number): void {
  journal = { write, life, count: 0 };
}

/** The input of a leaf action: its plan's number and its place in the plan. */
export interface LeafInput {
  readonly n: number;
  readonly leaf: number;
}

/** What the steps store: the tokens of their committed executions, oldest first. */
export interface StepOutput {
  runs?: string[];
  fins?: string[];
}

type Phase = 'run' | 'finalize';

/** One execution of a step: journals it, does a little async work, records its token. */
async function execute(action: Action<object, StepOutput>, phase: Phase): Promise<void> {
  if (journal === undefined) throw new Error('journalStepsTo() was not called in this process');
  const token = `${journal.life}.${++journal.count}`;
  const step = `${action.id}:${phase}`;
  journal.write('start', action.executionPlanId, step, token);
  // A little async work: a timer (0–2 ms) or a turn of the event loop.
  const wait = Math.floor(Math.random() * 4);
  if (wait === 3) await new Promise<void>((resolve) => setImmediate(resolve));
  else await delay(wait);
  const output = action.output;
  const key = phase === 'run' ? 'runs' : 'fins';
  output[key] = [...(output[key] ?? []), token];
  journal.write('end', action.executionPlanId, step, token);
}

/** A step that is safe to run again: after a crash it simply runs again. */
export class ChaosIdempotentStep extends Action<LeafInput, StepOutput> {
  static override readonly actionName: string = 'ChaosIdempotentStep';
  static override readonly idempotent = true;
  async run(): Promise<void> {
    await execute(this, 'run');
  }
}

/** An idempotent step with a finalize step. */
export class ChaosIdempotentFinalizeStep extends ChaosIdempotentStep {
  static override readonly actionName: string = 'ChaosIdempotentFinalizeStep';
  async finalize(): Promise<void> {
    await execute(this, 'finalize');
  }
}

/** A step that is not safe to run again: a crash makes it fail (an operator resumes it). */
export class ChaosFragileStep extends Action<LeafInput, StepOutput> {
  static override readonly actionName: string = 'ChaosFragileStep';
  async run(): Promise<void> {
    await execute(this, 'run');
  }
}

/** A fragile step with a finalize step. */
export class ChaosFragileFinalizeStep extends ChaosFragileStep {
  static override readonly actionName: string = 'ChaosFragileFinalizeStep';
  async finalize(): Promise<void> {
    await execute(this, 'finalize');
  }
}

const LEAVES: Readonly<Record<LeafKind, ActionClass>> = {
  idempotent: ChaosIdempotentStep,
  'idempotent+finalize': ChaosIdempotentFinalizeStep,
  fragile: ChaosFragileStep,
  'fragile+finalize': ChaosFragileFinalizeStep,
};

/**
 * The root of a chaos plan: its groups in sequence (a group of several leaves is a concurrence),
 * then its own finalize step, last (not idempotent).
 */
export class ChaosPlan extends Action<{ n: number }, StepOutput> {
  static override readonly actionName: string = 'ChaosPlan';
  override plan(shape: PlanShape): void {
    let leaf = 0;
    this.sequence(() => {
      for (const group of shape.groups) {
        const plan = (kind: LeafKind): void => {
          this.planAction(LEAVES[kind], { n: shape.n, leaf: ++leaf });
        };
        if (group.length === 1) group.forEach(plan);
        else this.concurrence(() => group.forEach(plan));
      }
    });
    this.planSelf({ n: shape.n });
  }

  async finalize(): Promise<void> {
    await execute(this, 'finalize');
  }
}

/** Every action class of the chaos plans, to register in a world. */
export const chaosActions: readonly ActionClass[] = [ChaosPlan, ...Object.values(LEAVES)];
