/**
 * fast-check generators of damaged stored records, one family per record kind. Every corruption
 * they make is certainly invalid (a required field deleted, a field of the wrong type, a state no
 * union holds, an id out of range, a value wrapped one level too deep, a record that is not an
 * object, JSON cut short), so a property can demand the documented outcome for each, not merely
 * "some outcome".
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { RawData } from './raw-stores.js';

type Rec = Record<string, unknown>;

/** What a field must be, which decides the values that are certainly wrong for it. */
type FieldKind = 'id' | 'string' | 'text' | 'number' | 'boolean' | 'object' | 'list' | 'flow';

/** A damage to one record, with a description for failure reports. */
export interface Corruption {
  readonly what: string;
  /**
   * Set when the record stays readable on its own and only contradicts the other records of its
   * plan (a flow or root naming what does not exist): `loadPlan` refuses the plan, while
   * `findPlans`, which reads plan records alone, lists it as it is.
   */
  readonly linksOnly?: true;
  /** The damaged record, from the good one. */
  readonly apply: (record: Rec) => RawData;
}

/** Values that are never valid for a field of `kind` (ASCII strings: every store holds them). */
function wrongFor(kind: FieldKind): Arbitrary<unknown> {
  const word = fc.string({ unit: chars('abcxyz -_.'), maxLength: 8 });
  const nonPositive = fc.oneof(
    fc.integer({ min: -1000, max: 0 }),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((n) => !Number.isInteger(n)),
  );
  const pool: Record<FieldKind, Arbitrary<unknown>> = {
    id: fc.oneof(
      nonPositive,
      word,
      fc.boolean(),
      fc.constant(null),
      fc.constant([1]),
      fc.constant({}),
    ),
    string: fc.oneof(
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(['x']),
      fc.constant({ s: 'x' }),
    ),
    text: fc.oneof(
      fc.constant(''),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(['x']),
    ),
    number: fc.oneof(
      word,
      fc.boolean(),
      fc.constant(null),
      fc.constant([0]),
      fc.constant({ n: 1 }),
    ),
    boolean: fc.oneof(fc.integer(), word, fc.constant(null), fc.constant([true])),
    object: fc.oneof(fc.integer(), word, fc.boolean(), fc.constant(null), fc.constant([{}])),
    list: fc.oneof(fc.integer(), word, fc.boolean(), fc.constant(null), fc.constant({ length: 1 })),
    flow: fc.oneof(
      fc.integer(),
      word,
      fc.constant(null),
      fc.constant([]),
      fc.constant({ type: 'loop', flows: [] }),
      fc.constant({ type: 'sequence', flows: 'x' }),
      fc.constant({ type: 'sequence', flows: [{ type: 'atom', stepId: 'one' }] }),
      fc.constant({ type: 'concurrence', flows: [null] }),
    ),
  };
  return pool[kind];
}

/** The same value one level too deep: an object or scalar in a list, a list in an object. */
function nested(value: unknown): unknown {
  return Array.isArray(value) ? { items: value } : [value];
}

function deleted(record: Rec, field: string): Rec {
  const { [field]: _gone, ...rest } = record;
  return rest;
}

const json = (value: unknown): RawData => ({ json: value });

/** One of the (ASCII) characters of `text`. */
function chars(text: string): Arbitrary<string> {
  return fc.constantFrom(...Array.from(text));
}

/**
 * Corruptions of the fields of one record kind (`fields`: name → what it must be). Fields in
 * `optional` may be absent, so they are damaged but never deleted.
 */
function fieldCorruptions(
  fields: Readonly<Record<string, FieldKind>>,
  enums: Readonly<Record<string, readonly string[]>> = {},
  optional: readonly string[] = [],
): Arbitrary<Corruption> {
  const names = Object.keys(fields);
  const name = fc.constantFrom(...names);
  const missing = fc
    .constantFrom(...names.filter((field) => !optional.includes(field)))
    .map((field): Corruption => ({
      what: `${field} deleted`,
      apply: (r) => json(deleted(r, field)),
    }));
  const wrong = name.chain((field) =>
    wrongFor(fields[field] as FieldKind).map((value): Corruption => ({
      what: `${field} = ${JSON.stringify(value)}`,
      apply: (r) => json({ ...r, [field]: value }),
    })),
  );
  const deeper = name.map((field): Corruption => ({
    what: `${field} nested one level deeper`,
    apply: (r) => json({ ...r, [field]: nested(r[field]) }),
  }));
  const arbitraries: Arbitrary<Corruption>[] = [missing, wrong, deeper];
  const enumNames = Object.keys(enums);
  if (enumNames.length > 0) {
    arbitraries.push(
      fc.constantFrom(...enumNames).chain((field) =>
        fc
          .string({
            unit: chars('abcdefghijklmnopqrstuvwxyz'),
            minLength: 1,
            maxLength: 10,
          })
          .filter((value) => !(enums[field] as readonly string[]).includes(value))
          .map((value): Corruption => ({
            what: `${field} = "${value}"`,
            apply: (r) => json({ ...r, [field]: value }),
          })),
      ),
    );
  }
  return fc.oneof(...arbitraries);
}

/** The whole record replaced by JSON that is not an object. */
export const notAnObject: Arbitrary<Corruption> = fc
  .oneof(
    fc.integer(),
    fc.string({ unit: chars('abc {}[]"'), maxLength: 12 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer(), { maxLength: 3 }),
  )
  .map((value) => ({ what: `the record = ${JSON.stringify(value)}`, apply: () => json(value) }));

/** The record's JSON text cut short (a store of text only: SQLite). */
export const truncated: Arbitrary<Corruption> = fc
  .double({ min: 0, max: 0.999, noNaN: true })
  .map((at): Corruption => ({
    what: `JSON cut at ${(at * 100).toFixed(0)}%`,
    apply: (record) => {
      const text = JSON.stringify(record);
      return { text: text.slice(0, Math.floor(text.length * at)) };
    },
  }));

/** Corruptions any store can hold, plus what only a text store can (`text`: SQLite). */
function withWhole(fields: Arbitrary<Corruption>, options: WholeOptions): Arbitrary<Corruption> {
  const parts: Arbitrary<Corruption>[] = [fields];
  if (options.whole) parts.push(notAnObject);
  if (options.text) parts.push(truncated);
  return fc.oneof(...parts);
}

/** Which kinds of whole-record damage the store can hold. */
export interface WholeOptions {
  /** Records that are not objects (not the memory store, which keeps records by key). */
  readonly whole: boolean;
  /** Text that is not JSON (SQLite only). */
  readonly text: boolean;
}

const PLAN_STATES = ['pending', 'scheduled', 'planning', 'planned', 'running', 'paused', 'stopped'];
const PLAN_RESULTS = ['pending', 'success', 'warning', 'error', 'cancelled'];
const STEP_STATES = [
  'scheduling',
  'pending',
  'running',
  'success',
  'suspended',
  'skipping',
  'skipped',
  'error',
  'cancelled',
];

/** A damaged plan record (its `id` is kept: stores find a plan by it). */
export function planCorruption(options: WholeOptions): Arbitrary<Corruption> {
  const fields = fieldCorruptions(
    {
      label: 'string',
      state: 'string',
      result: 'string',
      progress: 'number',
      rootActionId: 'id',
      runFlow: 'flow',
      finalizeFlow: 'flow',
      compensateFlow: 'flow',
      history: 'list',
      startedAt: 'string',
    },
    { state: PLAN_STATES, result: PLAN_RESULTS },
    ['startedAt', 'compensateFlow'],
  );
  const version = fc.oneof(fc.constant(undefined), wrongFor('id')).map((value): Corruption => ({
    what: `schemaVersion = ${JSON.stringify(value)}`,
    apply: (r) =>
      json(value === undefined ? deleted(r, 'schemaVersion') : { ...r, schemaVersion: value }),
  }));
  const history = fc.constantFrom('at', 'event', 'worldId').map((field): Corruption => ({
    what: `history entry without ${field}`,
    apply: (r) => json({ ...r, history: [deleted((r.history as Rec[])[0] as Rec, field)] }),
  }));
  const atom = fc
    .oneof(fc.integer({ min: -5, max: 0 }), fc.integer({ min: 12, max: 2 ** 31 }))
    .map((stepId): Corruption => ({
      what: `a run flow atom naming step ${stepId}`,
      apply: (r) =>
        json({ ...r, runFlow: { type: 'concurrence', flows: [{ type: 'atom', stepId }] } }),
      ...(stepId > 0 ? { linksOnly: true as const } : {}),
    }));
  // The fixture has no compensate step: a compensate flow naming any of its steps is wrong.
  const compensate = fc.integer({ min: 1, max: 11 }).map((stepId): Corruption => ({
    what: `a compensate flow naming step ${stepId}, which is not a compensate step`,
    apply: (r) =>
      json({ ...r, compensateFlow: { type: 'sequence', flows: [{ type: 'atom', stepId }] } }),
    linksOnly: true,
  }));
  const root = fc.integer({ min: 6, max: 10_000 }).map((id): Corruption => ({
    what: `rootActionId = ${id}`,
    apply: (r) => json({ ...r, rootActionId: id }),
    linksOnly: true,
  }));
  return withWhole(fc.oneof(fields, version, history, atom, compensate, root), options);
}

/** A damaged action record of a plan of `actions` actions and `steps` steps. */
export function actionCorruption(
  options: WholeOptions & { readonly keepId: boolean },
  counts: { readonly actions: number; readonly steps: number },
): Arbitrary<Corruption> {
  const fields: Record<string, FieldKind> = {
    className: 'text',
    input: 'object',
    output: 'object',
    planStepId: 'id',
  };
  if (!options.keepId) fields.id = 'id';
  const outOfRange = fc
    .tuple(
      fc.constantFrom('planStepId', 'runStepId', 'parentId'),
      fc.integer({ min: 1, max: 1000 }),
    )
    .map(([field, extra]): Corruption => {
      const value = (field === 'parentId' ? counts.actions : counts.steps) + extra;
      return { what: `${field} = ${value}`, apply: (r) => json({ ...r, [field]: value }) };
    });
  return withWhole(fc.oneof(fieldCorruptions(fields), outOfRange), options);
}

/** A damaged step record of a plan of `actions` actions and `steps` steps. */
export function stepCorruption(
  options: WholeOptions & { readonly keepId: boolean },
  counts: { readonly actions: number; readonly steps: number },
): Arbitrary<Corruption> {
  const fields: Record<string, FieldKind> = {
    actionId: 'id',
    className: 'string',
    phase: 'string',
    state: 'string',
    progress: 'number',
    progressWeight: 'number',
  };
  if (!options.keepId) fields.id = 'id';
  const outOfRange = fc.integer({ min: 1, max: 1000 }).map((extra): Corruption => ({
    what: `actionId = ${counts.actions + extra}`,
    apply: (r) => json({ ...r, actionId: counts.actions + extra }),
  }));
  const requires = fc
    .oneof(fc.integer({ min: counts.steps + 1, max: 10_000 }), fc.integer({ min: -3, max: 0 }))
    .map((id): Corruption => ({
      what: `requires [${id}]`,
      apply: (r) => json({ ...r, requires: [id] }),
    }));
  const error = fc.constantFrom('className', 'message').map((field): Corruption => ({
    what: `an error without ${field}`,
    apply: (r) => json({ ...r, error: deleted({ className: 'Error', message: 'm' }, field) }),
  }));
  // A state of the union that a step of its phase can never be in.
  const foreignState = fc.constant<Corruption>({
    what: 'a state foreign to the phase',
    apply: (r) =>
      json({
        ...r,
        state: r.phase === 'plan' ? 'suspended' : r.phase === 'run' ? 'scheduling' : 'skipping',
      }),
  });
  return withWhole(
    fc.oneof(
      fieldCorruptions(fields, { phase: ['plan', 'run', 'finalize'], state: STEP_STATES }),
      outOfRange,
      requires,
      error,
      foreignState,
    ),
    options,
  );
}

/** A damaged queued event; `keepKeys` keeps its plan and step (the memory store queues by them). */
export function eventCorruption(
  options: WholeOptions & { readonly keepKeys: boolean },
): Arbitrary<Corruption> {
  const fields: Record<string, FieldKind> = { id: 'string', createdAt: 'string' };
  if (!options.keepKeys) Object.assign(fields, { planId: 'text', stepId: 'id' });
  const noPayload = fc.constant<Corruption>({
    what: 'payload deleted',
    apply: (r) => json(deleted(r, 'payload')),
  });
  return withWhole(fc.oneof(fieldCorruptions(fields), noPayload), options);
}

/** A damaged world record (its `id` is kept). */
export function worldCorruption(options: WholeOptions): Arbitrary<Corruption> {
  return withWhole(
    fieldCorruptions({ host: 'string', pid: 'id', executor: 'boolean', startedAt: 'string' }),
    options,
  );
}

/** A damaged lock record (its key and owner are kept). */
export function lockCorruption(options: WholeOptions): Arbitrary<Corruption> {
  return withWhole(
    fieldCorruptions({ acquiredAt: 'string', planId: 'string' }, {}, ['planId']),
    options,
  );
}

/** A damaged delayed-plan record (its plan id, start time and frozen flag are kept). */
export function delayedCorruption(options: WholeOptions): Arbitrary<Corruption> {
  const args = wrongFor('list').map((value): Corruption => ({
    what: `args = ${JSON.stringify(value)}`,
    apply: (r) => json({ ...r, args: value }),
  }));
  const startBefore = fc.constantFrom('soon', '', 'T1', 42).map((value): Corruption => ({
    what: `startBefore = ${JSON.stringify(value)}`,
    apply: (r) => json({ ...r, startBefore: value }),
  }));
  return withWhole(fc.oneof(args, startBefore), options);
}

/** A damaged log line (its plan and step are kept). */
export function logLineCorruption(options: WholeOptions): Arbitrary<Corruption> {
  return withWhole(
    fieldCorruptions(
      { at: 'string', level: 'string', message: 'string' },
      {
        level: ['debug', 'info', 'warn', 'error'],
      },
    ),
    options,
  );
}
