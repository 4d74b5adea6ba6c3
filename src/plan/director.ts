import type { ComposedFlow, Flow } from './flow.js';

const ATOM = 0;
const SEQUENCE = 1;
const CONCURRENCE = 2;
const ENTER = 0;
const COMPLETE = 1;

/** The ints of a node's row in the director's buffer. */
const KIND = 0;
const PARENT = 1;
/** Index among its parent's children. */
const POSITION = 2;
/** Children of a concurrence not yet complete. */
const COUNTER = 3;
const FLAGS = 4;
/** Step id of an atom, -1 otherwise. */
const STEP = 5;
/** Where a composite node's children start in the buffer. */
const CHILD_START = 6;
const CHILD_COUNT = 7;
const FIELDS = 8;

const REACHED = 1;
const DONE = 2;

/**
 * Decides what runs next — pure logic, no I/O. It walks a run flow as an interpreter: a sequence
 * enters its next part when the previous one completes, a concurrence completes when all its parts
 * have. A step is ready once the flow reaches it and every step it references has finished.
 *
 * Each step costs O(1) amortised whatever the plan's size: no walk of the whole plan per step.
 * Steps already done when the director is built (a resumed plan) complete as soon as they are
 * reached, so rebuilding from a stored plan continues where it stopped.
 */
export class Director {
  /**
   * Everything about the nodes in one buffer, so that a small plan costs a few hundred bytes
   * rather than a dozen arrays: a row of {@link FIELDS} ints per node (in depth-first order), then
   * the children of every composite node, then the node of each step id (-1 for none).
   */
  readonly #data: Int32Array;
  /** Where the step-to-node table starts in {@link Director.#data}. */
  readonly #stepBase: number;
  /** Steps waiting for referenced steps: how many they still wait for (absent when none). */
  #waitingOn: Map<number, number> | undefined;
  /** Steps waiting for a step, by that step. */
  #dependents: Map<number, number[]> | undefined;
  #finished = false;

  /**
   * @param flow - the run flow
   * @param isDone - whether a step is already done (success or skipped)
   * @param requiresOf - the steps a step references, which must be done before it runs
   */
  constructor(
    flow: ComposedFlow,
    isDone: (stepId: number) => boolean,
    requiresOf: (stepId: number) => readonly number[] | undefined,
  ) {
    // First the nodes in depth-first order, with their parents and positions.
    const nodes: Flow[] = [];
    const parents: number[] = [];
    const positions: number[] = [];
    let childSlots = 0;
    let maxStep = 0;
    const stack: [Flow, number, number][] = [[flow, -1, 0]];
    while (stack.length > 0) {
      const [node, parent, position] = stack.pop() as [Flow, number, number];
      nodes.push(node);
      parents.push(parent);
      positions.push(position);
      if (node.type === 'atom') {
        if (node.stepId > maxStep) maxStep = node.stepId;
      } else {
        childSlots += node.flows.length;
        const index = nodes.length - 1;
        for (let i = node.flows.length - 1; i >= 0; i--) {
          stack.push([node.flows[i] as Flow, index, i]);
        }
      }
    }
    const count = nodes.length;
    const childBase = count * FIELDS;
    this.#stepBase = childBase + childSlots;
    const data = new Int32Array(this.#stepBase + maxStep + 1);
    this.#data = data;
    data.fill(-1, this.#stepBase);
    let nextChild = childBase;
    for (let index = 0; index < count; index++) {
      const node = nodes[index] as Flow;
      const row = index * FIELDS;
      const parent = parents[index] as number;
      data[row + PARENT] = parent;
      data[row + POSITION] = positions[index] as number;
      if (parent >= 0) {
        // A parent comes before its children in depth-first order: its CHILD_START is set.
        data[(data[parent * FIELDS + CHILD_START] as number) + (positions[index] as number)] =
          index;
      }
      if (node.type === 'atom') {
        data[row + KIND] = ATOM;
        data[row + STEP] = node.stepId;
        data[this.#stepBase + node.stepId] = index;
        if (isDone(node.stepId)) data[row + FLAGS] = DONE;
      } else {
        data[row + KIND] = node.type === 'sequence' ? SEQUENCE : CONCURRENCE;
        data[row + STEP] = -1;
        data[row + CHILD_START] = nextChild;
        data[row + CHILD_COUNT] = node.flows.length;
        nextChild += node.flows.length;
      }
    }
    for (let index = 0; index < count; index++) {
      const node = nodes[index] as Flow;
      if (node.type !== 'atom' || this.#isDone(index)) continue;
      let waiting = 0;
      for (const required of requiresOf(node.stepId) ?? []) {
        const requiredNode = this.#nodeOf(required);
        if (requiredNode < 0 || this.#isDone(requiredNode)) continue;
        waiting++;
        const dependents = (this.#dependents ??= new Map<number, number[]>());
        const list = dependents.get(required);
        if (list === undefined) dependents.set(required, [node.stepId]);
        else list.push(node.stepId);
      }
      if (waiting > 0) (this.#waitingOn ??= new Map<number, number>()).set(node.stepId, waiting);
    }
  }

  #nodeOf(stepId: number): number {
    const at = this.#stepBase + stepId;
    return stepId >= 0 && at < this.#data.length ? (this.#data[at] as number) : -1;
  }

  #isDone(node: number): boolean {
    return ((this.#data[node * FIELDS + FLAGS] as number) & DONE) !== 0;
  }

  #isReached(node: number): boolean {
    return ((this.#data[node * FIELDS + FLAGS] as number) & REACHED) !== 0;
  }

  #set(node: number, flag: number): void {
    (this.#data[node * FIELDS + FLAGS] as number) |= flag;
  }

  /** Whether every step of the flow is done. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Starts the walk; returns the steps ready to run now. */
  start(): number[] {
    const ready: number[] = [];
    this.#drain([ENTER, 0], ready);
    return ready;
  }

  /**
   * Records that a step is done (succeeded or skipped).
   *
   * @returns the steps that became ready because of it
   */
  markDone(stepId: number): number[] {
    const node = this.#nodeOf(stepId);
    if (node < 0 || this.#isDone(node)) return [];
    this.#set(node, DONE);
    const ready: number[] = [];
    for (const dependent of this.#dependents?.get(stepId) ?? []) {
      const waitingOn = this.#waitingOn as Map<number, number>;
      const left = (waitingOn.get(dependent) ?? 1) - 1;
      if (left > 0) {
        waitingOn.set(dependent, left);
        continue;
      }
      waitingOn.delete(dependent);
      const dependentNode = this.#nodeOf(dependent);
      if (this.#isReached(dependentNode) && !this.#isDone(dependentNode)) ready.push(dependent);
    }
    if (this.#isReached(node)) this.#drain([COMPLETE, node], ready);
    return ready;
  }

  #drain(initial: [number, number], ready: number[]): void {
    const data = this.#data;
    const ops: number[] = [...initial];
    while (ops.length > 0) {
      const node = ops.pop() as number;
      const op = ops.pop() as number;
      const row = node * FIELDS;
      const kind = data[row + KIND];
      if (op === ENTER) {
        this.#set(node, REACHED);
        const childCount = data[row + CHILD_COUNT] as number;
        const first = data[row + CHILD_START] as number;
        if (kind === ATOM) {
          const stepId = data[row + STEP] as number;
          if (this.#isDone(node)) ops.push(COMPLETE, node);
          else if (this.#waitingOn?.has(stepId) !== true) ready.push(stepId);
        } else if (childCount === 0) {
          ops.push(COMPLETE, node);
        } else if (kind === SEQUENCE) {
          ops.push(ENTER, data[first] as number);
        } else {
          data[row + COUNTER] = childCount;
          for (let i = childCount - 1; i >= 0; i--) ops.push(ENTER, data[first + i] as number);
        }
        continue;
      }
      const parent = data[row + PARENT] as number;
      if (parent < 0) {
        this.#finished = true;
        continue;
      }
      const parentRow = parent * FIELDS;
      if (data[parentRow + KIND] === SEQUENCE) {
        const next = (data[row + POSITION] as number) + 1;
        if (next < (data[parentRow + CHILD_COUNT] as number)) {
          ops.push(ENTER, data[(data[parentRow + CHILD_START] as number) + next] as number);
        } else {
          ops.push(COMPLETE, parent);
        }
      } else {
        const left = (data[parentRow + COUNTER] as number) - 1;
        data[parentRow + COUNTER] = left;
        if (left === 0) ops.push(COMPLETE, parent);
      }
    }
  }
}
