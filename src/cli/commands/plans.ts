/**
 * `flowline plans`: the plans in the store, newest first, as a table or JSON.
 */
import { ErrorCode, FlowlineError } from '../../errors.js';
import { toExecutionPlan } from '../../plan/snapshot.js';
import type { PersistenceAdapter, PlanFilter } from '../../persistence/adapter.js';
import type { PlanParent, PlanRecord } from '../../plan/records.js';
import { PlanResult, PlanState } from '../../plan/states.js';
import { choiceListOption, integerOption, stringOption } from '../args.js';
import type { Command, CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { formatPercent, formatTable, formatTime, paint, styleOf, toJsonText } from '../output.js';
import { storeSpecFrom, withStore } from '../store-spec.js';

/** One plan in `flowline plans --json`. */
export interface PlanSummary {
  readonly id: string;
  readonly label: string;
  readonly state: PlanState;
  readonly result: PlanResult;
  /** 0..1. */
  readonly progress: number;
  /** ISO time, or `null`. */
  readonly startedAt: string | null;
  /** ISO time, or `null`. */
  readonly endedAt: string | null;
  /** Set on a sub-plan. */
  readonly parent?: PlanParent;
  /** Set on a plan triggered with an idempotency key (`world.triggerWith`). */
  readonly idempotencyKey?: string;
  /** Set when the plan's records cannot be read. */
  readonly invalid?: { readonly code: string; readonly message: string };
}

const DEFAULT_LIMIT = 20;

/** `flowline plans`. */
export const plansCommand: Command = {
  name: 'plans',
  summary: 'list execution plans, newest first',
  help: `Usage: flowline plans [options]

List the execution plans in the store, newest first: id, label, state, result,
progress, started and ended times.

Options:
  --state <state>    only plans in this state (repeat it, or separate with commas):
                     ${Object.values(PlanState).join(', ')}
  --result <result>  only plans with this result (repeat it, or separate with commas):
                     ${Object.values(PlanResult).join(', ')}
  --label <label>    only plans with exactly this label
  --idempotency-key <key>
                     only the plan triggered with this idempotency key
  --limit <n>        at most n plans (default ${DEFAULT_LIMIT})
  --offset <n>       skip the n newest matching plans first (default 0)
  --store <spec>     sqlite:<path> or a postgres:// URL (default: $FLOWLINE_STORE)
  --schema <name>    PostgreSQL schema of the store (default: flowline)
  --json             print a JSON array of plan summaries
  --debug            print stack traces of errors
  -h, --help         show this help

Examples:
  flowline plans --store sqlite:./flowline.db
  flowline plans --state paused --result error --json
`,
  options: {
    state: { type: 'string', multiple: true },
    result: { type: 'string', multiple: true },
    label: { type: 'string' },
    'idempotency-key': { type: 'string' },
    limit: { type: 'string' },
    offset: { type: 'string' },
  },
  positionals: [],
  run: runPlans,
};

async function runPlans(ctx: CommandContext): Promise<number> {
  const { values, command } = ctx;
  const state = choiceListOption(values, 'state', Object.values(PlanState), command);
  const result = choiceListOption(values, 'result', Object.values(PlanResult), command);
  const label = stringOption(values, 'label');
  const idempotencyKey = stringOption(values, 'idempotency-key');
  const limit = integerOption(values, 'limit', { min: 1, fallback: DEFAULT_LIMIT }, command);
  const offset = integerOption(values, 'offset', { min: 0, fallback: 0 }, command);
  const filter: PlanFilter = {
    ...(state === undefined ? {} : { state }),
    ...(result === undefined ? {} : { result }),
    ...(label === undefined ? {} : { label }),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    limit,
    offset,
  };
  const spec = storeSpecFrom(values, ctx.io.env, ctx.io.cwd, command);
  const plans = await withStore(spec, (adapter) => listPlans(adapter, filter));

  if (ctx.json) {
    ctx.io.stdout.write(toJsonText(plans, true));
    return ExitCode.OK;
  }
  if (plans.length === 0) {
    const filtered = [state, result, label, idempotencyKey].some((given) => given !== undefined);
    ctx.io.stdout.write(
      offset > 0 || filtered ? 'No execution plans match.\n' : 'No execution plans.\n',
    );
    return ExitCode.OK;
  }
  const color = ctx.color;
  const rows = plans.map((plan) => [
    plan.id,
    plan.label,
    { text: plan.state, style: styleOf(plan.state) },
    { text: plan.result, style: styleOf(plan.result) },
    { text: formatPercent(plan.progress), right: true },
    formatTime(plan.startedAt ?? undefined),
    formatTime(plan.endedAt ?? undefined),
  ]);
  const lines = formatTable(
    ['ID', 'LABEL', 'STATE', 'RESULT', 'PROGRESS', 'STARTED', 'ENDED'],
    rows,
    color,
  );
  ctx.io.stdout.write(`${lines.join('\n')}\n`);
  for (const plan of plans) {
    if (plan.invalid !== undefined) {
      ctx.io.stdout.write(paint(`${plan.id}: ${plan.invalid.message}\n`, 'yellow', color));
    }
  }
  if (plans.length === limit) {
    ctx.io.stdout.write(
      paint(
        `(first ${limit} from offset ${offset}; --offset ${offset + limit} for more)\n`,
        'dim',
        color,
      ),
    );
  }
  return ExitCode.OK;
}

/**
 * The plans matching `filter`, newest first, as summaries with their live progress. A plan whose
 * records cannot be read is summed up from its plan record, with `invalid` set: the record the
 * adapter listed marked `invalid` (its placeholders included), or the error `loadPlan` gave.
 *
 * @param adapter - the started store
 * @param filter - which plans
 */
export async function listPlans(
  adapter: PersistenceAdapter,
  filter: PlanFilter,
): Promise<PlanSummary[]> {
  const records = await adapter.findPlans(filter);
  return Promise.all(
    records.map(async (record): Promise<PlanSummary> => {
      if (record.invalid !== undefined) {
        const { code, message } = record.invalid;
        return { ...summarize(record, record.progress), invalid: { code, message } };
      }
      try {
        const stored = await adapter.loadPlan(record.id);
        if (stored !== undefined) {
          return summarize(record, toExecutionPlan(stored, false).progress);
        }
      } catch (error) {
        if (!(error instanceof FlowlineError) || error.code !== ErrorCode.INVALID_PLAN) throw error;
        return {
          ...summarize(record, record.progress),
          invalid: { code: error.code, message: error.message },
        };
      }
      return summarize(record, record.progress);
    }),
  );
}

function summarize(record: PlanRecord, progress: number): PlanSummary {
  return {
    id: record.id,
    label: record.label,
    state: record.state,
    result: record.result,
    progress,
    startedAt: record.startedAt ?? null,
    endedAt: record.endedAt ?? null,
    ...(record.parent === undefined ? {} : { parent: record.parent }),
    ...(record.idempotencyKey === undefined ? {} : { idempotencyKey: record.idempotencyKey }),
  };
}
