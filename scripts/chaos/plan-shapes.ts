/**
 * The shape of each chaos plan, made from the seed and the plan's number alone, so the parent
 * (which paces the kills by the work left) and every child life agree on it without talking.
 *
 * A plan is a sequence of groups; a group of one leaf runs in the sequence, a larger group is a
 * concurrence. Each leaf is one of four step actions: idempotent or not, with or without a finalize
 * step. The root action finalizes last (it calls `planSelf` after planning its leaves).
 */
import { mixSeed, pick, prng, randomInt } from './prng.js';

/** The kinds of leaf actions (see actions.ts). */
export const LEAF_KINDS = [
  'idempotent',
  'idempotent+finalize',
  'fragile',
  'fragile+finalize',
] as const;
/** One kind of leaf action. */
export type LeafKind = (typeof LEAF_KINDS)[number];

/** What the root action of plan number `n` plans (its `trigger` argument). */
export interface PlanShape {
  readonly n: number;
  /** In sequence; a group of several leaves is a concurrence. */
  readonly groups: readonly (readonly LeafKind[])[];
}

/** The shape of plan number `n` of a run seeded with `seed`. */
export function planShape(seed: number, n: number): PlanShape {
  const random = prng(mixSeed(seed, 'plan', n));
  const groups: LeafKind[][] = [];
  const count = randomInt(random, 1, 3);
  for (let g = 0; g < count; g++) {
    const size = random() < 0.5 ? 1 : randomInt(random, 2, 3);
    const group: LeafKind[] = [];
    for (let i = 0; i < size; i++) group.push(pick(random, LEAF_KINDS));
    groups.push(group);
  }
  return { n, groups };
}

/** How many step executions a plan of this shape makes when nothing interrupts it. */
export function stepsOf(shape: PlanShape): number {
  let steps = 1; // the root's finalize
  for (const group of shape.groups) {
    for (const kind of group) steps += kind.endsWith('+finalize') ? 2 : 1;
  }
  return steps;
}

/**
 * How many journal lines a plan of this shape writes when nothing interrupts it: `trigger`,
 * `planned`, `finished`, and a `start` and an `end` per step execution.
 */
export function journalLinesOf(shape: PlanShape): number {
  return 3 + 2 * stepsOf(shape);
}
