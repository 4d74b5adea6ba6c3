/**
 * Record builders for adapter tests: realistic, JSON-only records that exercise what a store must
 * keep intact (nested objects and arrays, unicode, large and fractional numbers, empty containers,
 * output references, errors with stack traces).
 */
import type { PlanScoped, WriteBatch } from '../persistence/adapter.js';
import type { ActionRecord, PlanRecord, StepRecord } from '../plan/records.js';
import { SCHEMA_VERSION } from '../plan/records.js';

/** A plan record with its actions and steps, ready to be written as one batch. */
export interface PlanFixture {
  /** The plan-level record. */
  readonly plan: PlanRecord;
  /** Every action of the plan, ordered by id. */
  readonly actions: ActionRecord[];
  /** Every step of the plan, ordered by id. */
  readonly steps: StepRecord[];
}

/**
 * A minimal plan record: state `planned`, result `pending`, one run step (id 2) in the run flow.
 *
 * @param id - the plan id
 * @param overrides - fields to replace
 */
export function makePlanRecord(id: string, overrides: Partial<PlanRecord> = {}): PlanRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    id,
    label: 'Root',
    state: 'planned',
    result: 'pending',
    progress: 0,
    rootActionId: 1,
    runFlow: { type: 'concurrence', flows: [{ type: 'atom', stepId: 2 }] },
    finalizeFlow: { type: 'sequence', flows: [] },
    history: [{ at: '2024-01-01T00:00:00.000Z', event: 'plan', worldId: 'world-1' }],
    ...overrides,
  };
}

/**
 * A minimal action record (class `Root`, planned by step 1, run by step 2).
 *
 * @param id - the action id
 * @param overrides - fields to replace
 */
export function makeActionRecord(id: number, overrides: Partial<ActionRecord> = {}): ActionRecord {
  return {
    id,
    className: 'Root',
    input: { name: 'x', nested: { list: [1, 2] } },
    output: {},
    planStepId: 1,
    runStepId: 2,
    ...overrides,
  };
}

/**
 * A minimal run step record of action 1 in state `pending`.
 *
 * @param id - the step id
 * @param overrides - fields to replace
 */
export function makeStepRecord(id: number, overrides: Partial<StepRecord> = {}): StepRecord {
  return {
    id,
    actionId: 1,
    className: 'Root',
    phase: 'run',
    state: 'pending',
    progress: 0,
    progressWeight: 1,
    ...overrides,
  };
}

/**
 * A small, complete plan that loads back as it is: the plan record of {@link makePlanRecord}, its
 * one action (`Root`, planned by step 1, run by step 2), its plan step (`success`) and its run
 * step 2 (`pending`); with `runSteps` more than 1, run steps 3, 4, … of the same action too, all
 * in the run flow. Stores check how a plan's records fit together when it is loaded (steps in id
 * order from 1, flows naming existing steps), so a test that loads a plan writes a whole one.
 *
 * @param planId - the plan id
 * @param runSteps - how many run steps @default 1
 */
export function makeSmallPlan(planId: string, runSteps = 1): PlanFixture {
  const runIds = Array.from({ length: Math.max(1, runSteps) }, (_, i) => i + 2);
  return {
    plan: makePlanRecord(planId, {
      runFlow: {
        type: 'concurrence',
        flows: runIds.map((stepId) => ({ type: 'atom', stepId })),
      },
    }),
    actions: [makeActionRecord(1)],
    steps: [
      makeStepRecord(1, { phase: 'plan', state: 'success', progress: 1 }),
      ...runIds.map((id) => makeStepRecord(id)),
    ],
  };
}

/**
 * A realistic plan: five actions (a root with children and a grandchild) and eleven steps across
 * the plan, run and finalize phases, in states `success`, `error` (with a full error), `suspended`
 * and `pending`, with `requires` lists, a nested run flow, a finalize sequence and a history. Inputs
 * and outputs hold nested JSON with unicode, large and fractional numbers, nested and empty arrays,
 * empty objects, `null`, and a stored output reference. Every call returns new objects.
 *
 * @param planId - the plan id
 */
export function makePlanFixture(planId: string): PlanFixture {
  const plan: PlanRecord = {
    schemaVersion: SCHEMA_VERSION,
    id: planId,
    label: 'ProvisionInfrastructure',
    state: 'paused',
    result: 'error',
    startedAt: '2024-05-01T10:00:00.000Z',
    progress: 0.4,
    rootActionId: 1,
    runFlow: {
      type: 'concurrence',
      flows: [
        {
          type: 'sequence',
          flows: [
            { type: 'atom', stepId: 5 },
            {
              type: 'concurrence',
              flows: [
                { type: 'atom', stepId: 6 },
                { type: 'atom', stepId: 9 },
              ],
            },
          ],
        },
        { type: 'atom', stepId: 7 },
      ],
    },
    finalizeFlow: {
      type: 'sequence',
      flows: [
        { type: 'atom', stepId: 10 },
        { type: 'atom', stepId: 11 },
      ],
    },
    history: [
      { at: '2024-05-01T10:00:00.000Z', event: 'start execution', worldId: 'world-a' },
      { at: '2024-05-01T10:00:02.500Z', event: 'pause execution', worldId: 'world-a' },
    ],
  };

  const actions: ActionRecord[] = [
    {
      id: 1,
      className: 'ProvisionInfrastructure',
      input: { region: 'eu-west-1', tags: {}, owners: [] },
      output: {},
      planStepId: 1,
      finalizeStepId: 11,
    },
    {
      id: 2,
      className: 'CreateDatabase',
      input: {
        name: 'orders-db',
        sizeBytes: Number.MAX_SAFE_INTEGER,
        ratio: 0.30000000000000004,
        huge: 1.7976931348623157e308,
        tiny: -5e-324,
        exponent: 1e21,
        flags: [true, false, null],
      },
      output: { dbId: 'db-42', endpoints: [['10.0.0.1', 5432], ['10.0.0.2', 5432], []] },
      planStepId: 2,
      runStepId: 5,
      parentId: 1,
    },
    {
      id: 3,
      className: 'CreateMachine',
      input: {
        name: 'host-1',
        description: 'Grüße, 東京 🚀 — naïve café, עברית, "quoted" \\ back\\slash\ttab\nnewline',
        'key with spaces and ünïcode 🔑': { 'dotted.key': 'v', '': 'empty key' },
        dbId: { $flowlineRef: { actionId: 2, path: ['dbId'] } },
        matrix: [
          [1, 2],
          [3, [4, [5, []]]],
        ],
        empty: {},
        emptyList: [],
        emptyString: '',
        nothing: null,
      },
      output: { partial: { disks: [{ size: 10, mounted: false }] } },
      planStepId: 3,
      runStepId: 6,
      finalizeStepId: 10,
      parentId: 1,
    },
    {
      id: 4,
      className: 'WaitForApproval',
      input: { approvers: ['ana@example.com', 'bo@example.com'], deadlineHours: 48 },
      output: { requestedAt: '2024-05-01T10:00:01.000Z', reminders: 0 },
      planStepId: 4,
      runStepId: 7,
      parentId: 1,
    },
    {
      id: 5,
      className: 'ConfigureDns',
      input: { zone: 'example.com', records: [{ type: 'A', ttl: 300, values: [] }] },
      output: {},
      planStepId: 8,
      runStepId: 9,
      parentId: 3,
    },
  ];

  const planStep = (id: number, actionId: number, className: string): StepRecord => ({
    id,
    actionId,
    className,
    phase: 'plan',
    state: 'success',
    startedAt: '2024-05-01T09:59:59.000Z',
    endedAt: '2024-05-01T09:59:59.100Z',
    progress: 1,
    progressWeight: 1,
  });

  const steps: StepRecord[] = [
    planStep(1, 1, 'ProvisionInfrastructure'),
    planStep(2, 2, 'CreateDatabase'),
    planStep(3, 3, 'CreateMachine'),
    planStep(4, 4, 'WaitForApproval'),
    {
      id: 5,
      actionId: 2,
      className: 'CreateDatabase',
      phase: 'run',
      state: 'success',
      startedAt: '2024-05-01T10:00:00.000Z',
      endedAt: '2024-05-01T10:00:01.000Z',
      progress: 1,
      progressWeight: 1,
    },
    {
      id: 6,
      actionId: 3,
      className: 'CreateMachine',
      phase: 'run',
      state: 'error',
      error: {
        className: 'QuotaExceededError',
        message: 'quota exceeded in eu-west-1: 0 of 20 vCPUs left — réessayez plus tard',
        code: 'QUOTA',
        stack:
          'QuotaExceededError: quota exceeded\n    at CreateMachine.run (/app/actions.ts:12:11)\n    at async invoke (/app/node_modules/flowline/dist/index.js:1:1)',
      },
      startedAt: '2024-05-01T10:00:01.000Z',
      endedAt: '2024-05-01T10:00:02.000Z',
      progress: 0.25,
      progressWeight: 3,
      requires: [5],
    },
    {
      id: 7,
      actionId: 4,
      className: 'WaitForApproval',
      phase: 'run',
      state: 'suspended',
      startedAt: '2024-05-01T10:00:00.000Z',
      progress: 0.5,
      progressWeight: 1,
    },
    planStep(8, 5, 'ConfigureDns'),
    {
      id: 9,
      actionId: 5,
      className: 'ConfigureDns',
      phase: 'run',
      state: 'pending',
      progress: 0,
      progressWeight: 1,
      requires: [5, 6],
    },
    {
      id: 10,
      actionId: 3,
      className: 'CreateMachine',
      phase: 'finalize',
      state: 'pending',
      progress: 0,
      progressWeight: 1,
    },
    {
      id: 11,
      actionId: 1,
      className: 'ProvisionInfrastructure',
      phase: 'finalize',
      state: 'pending',
      progress: 0,
      progressWeight: 1,
      requires: [],
    },
  ];

  return { plan, actions, steps };
}

/**
 * A batch writing a whole fixture: the plan, its actions and its steps.
 *
 * @param fixture - what to write
 */
export function fixtureBatch(fixture: PlanFixture): WriteBatch {
  const planId = fixture.plan.id;
  return {
    plans: [fixture.plan],
    actions: fixture.actions.map((record): PlanScoped<ActionRecord> => ({ planId, record })),
    steps: fixture.steps.map((record): PlanScoped<StepRecord> => ({ planId, record })),
  };
}
