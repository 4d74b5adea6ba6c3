/**
 * The journal of a chaos run, indexed for the checks: plans by id with what their caller saw, each
 * step's executions with their tokens, the operator's resumes, and which life wrote each line.
 */
import type { JournalLine } from './journal.js';

/** One execution of a step, from its `start` line to its `end` line (if it got there). */
export interface Execution {
  readonly token: string;
  /** The life that ran it. */
  readonly life: number;
  /** Index of its `start` line. */
  readonly start: number;
  /** Index of its `end` line; absent when it was cut short. */
  end?: number;
}

/** What the journal says about one plan. */
export interface PlanFacts {
  readonly id: string;
  readonly n: number;
  /** The life that triggered it, and the index of its `trigger` line. */
  readonly life: number;
  readonly trigger: number;
  /** Index of its `planned` line: the world accepted it (absent: the caller never knew). */
  planned?: number;
  /** Its `finished` line's state and result, if the caller saw it finish. */
  finished?: string;
  /** The message of its `finished-failed` line, if its `finished` promise rejected. */
  finishedFailed?: string;
  /** Indexes of the operator's `resume` lines, and how each ended. */
  readonly resumes: number[];
  readonly resumed: string[];
}

/** How a life ended, from the parent's lines. */
export interface LifeEnd {
  readonly life: number;
  /** Index of the `kill` or `exit` line. */
  readonly index: number;
  readonly how: string;
}

/** The journal, indexed. */
export interface JournalIndex {
  readonly lines: readonly JournalLine[];
  readonly plans: ReadonlyMap<string, PlanFacts>;
  /** Executions by `<plan> <step>` (`<step>` is `<actionId>:<phase>`), in journal order. */
  readonly executions: ReadonlyMap<string, readonly Execution[]>;
  /** The life that wrote each line (the parent's lines: the life they are about). */
  readonly lifeOf: readonly number[];
  readonly lifeEnds: ReadonlyMap<number, LifeEnd>;
}

/** The key of a step's executions. */
export function stepKey(planId: string, actionId: number, phase: 'run' | 'finalize'): string {
  return `${planId} ${actionId}:${phase}`;
}

/** Indexes the lines of a journal. */
export function indexJournal(lines: readonly JournalLine[]): JournalIndex {
  const plans = new Map<string, PlanFacts>();
  const executions = new Map<string, Execution[]>();
  const byToken = new Map<string, Execution>();
  const lifeOf: number[] = [];
  const lifeEnds = new Map<number, LifeEnd>();
  let life = 0;
  for (const line of lines) {
    const [a = '', b = '', c = '', d = ''] = line.fields;
    switch (line.kind) {
      case 'life':
        life = Number(a);
        break;
      case 'trigger':
        if (!plans.has(b)) {
          plans.set(b, {
            id: b,
            n: Number(a),
            life,
            trigger: line.index,
            resumes: [],
            resumed: [],
          });
        }
        break;
      case 'planned': {
        const plan = plans.get(b);
        if (plan !== undefined) plan.planned = line.index;
        break;
      }
      case 'finished': {
        const plan = plans.get(b);
        if (plan !== undefined) plan.finished = `${c}/${d}`;
        break;
      }
      case 'finished-failed': {
        const plan = plans.get(b);
        if (plan !== undefined) plan.finishedFailed = line.text;
        break;
      }
      case 'start': {
        const execution: Execution = { token: c, life, start: line.index };
        const key = `${a} ${b}`;
        executions.set(key, [...(executions.get(key) ?? []), execution]);
        byToken.set(`${key} ${c}`, execution);
        break;
      }
      case 'end': {
        const execution = byToken.get(`${a} ${b} ${c}`);
        if (execution !== undefined) execution.end = line.index;
        break;
      }
      case 'resume':
        plans.get(a)?.resumes.push(line.index);
        break;
      case 'resumed':
        plans.get(a)?.resumed.push(`${b}/${c}`);
        break;
      case 'resume-failed':
        plans.get(a)?.resumed.push(`failed: ${line.text}`);
        break;
      case 'kill':
      case 'exit':
        lifeEnds.set(Number(a), {
          life: Number(a),
          index: line.index,
          how: line.kind === 'kill' ? `killed (${b})` : `exited (code ${b}, signal ${c})`,
        });
        break;
      default:
        break;
    }
    lifeOf.push(line.kind === 'kill' || line.kind === 'exit' ? Number(a) : life);
  }
  return { lines, plans, executions, lifeOf, lifeEnds };
}
