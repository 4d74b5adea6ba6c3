import type { ComposedFlow, Flow } from '../plan/flow.js';

const ATOM = 0;
const SEQUENCE = 1;
const CONCURRENCE = 2;
const ENTER = 0;
const COMPLETE = 1;

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
  readonly #kind: number[] = [];
  readonly #parent: number[] = [];
  readonly #position: number[] = [];
  readonly #children: number[][] = [];
  readonly #counter: number[] = [];
  readonly #reached: boolean[] = [];
  readonly #done: boolean[] = [];
  readonly #stepOfNode: number[] = [];
  readonly #nodeOfStep = new Map<number, number>();
  readonly #waitingOn = new Map<number, number>();
  readonly #dependents = new Map<number, number[]>();
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
    const stack: [Flow, number, number][] = [[flow, -1, 0]];
    while (stack.length > 0) {
      const [node, parent, position] = stack.pop() as [Flow, number, number];
      const index = this.#kind.length;
      this.#parent.push(parent);
      this.#position.push(position);
      this.#counter.push(0);
      this.#reached.push(false);
      if (parent >= 0) (this.#children[parent] as number[])[position] = index;
      if (node.type === 'atom') {
        this.#kind.push(ATOM);
        this.#children.push([]);
        this.#stepOfNode.push(node.stepId);
        this.#nodeOfStep.set(node.stepId, index);
        this.#done.push(isDone(node.stepId));
      } else {
        this.#kind.push(node.type === 'sequence' ? SEQUENCE : CONCURRENCE);
        this.#children.push(new Array<number>(node.flows.length));
        this.#stepOfNode.push(-1);
        this.#done.push(false);
        for (let i = node.flows.length - 1; i >= 0; i--) {
          stack.push([node.flows[i] as Flow, index, i]);
        }
      }
    }
    for (const [stepId, node] of this.#nodeOfStep) {
      if (this.#done[node] === true) continue;
      let waiting = 0;
      for (const required of requiresOf(stepId) ?? []) {
        const requiredNode = this.#nodeOfStep.get(required);
        if (requiredNode === undefined || this.#done[requiredNode] === true) continue;
        waiting++;
        const list = this.#dependents.get(required) ?? [];
        list.push(stepId);
        this.#dependents.set(required, list);
      }
      if (waiting > 0) this.#waitingOn.set(stepId, waiting);
    }
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
    const node = this.#nodeOfStep.get(stepId);
    if (node === undefined || this.#done[node] === true) return [];
    this.#done[node] = true;
    const ready: number[] = [];
    for (const dependent of this.#dependents.get(stepId) ?? []) {
      const left = (this.#waitingOn.get(dependent) ?? 1) - 1;
      if (left > 0) {
        this.#waitingOn.set(dependent, left);
        continue;
      }
      this.#waitingOn.delete(dependent);
      const dependentNode = this.#nodeOfStep.get(dependent) as number;
      if (this.#reached[dependentNode] === true && this.#done[dependentNode] !== true) {
        ready.push(dependent);
      }
    }
    if (this.#reached[node] === true) this.#drain([COMPLETE, node], ready);
    return ready;
  }

  #drain(initial: [number, number], ready: number[]): void {
    const ops: number[] = [...initial];
    while (ops.length > 0) {
      const node = ops.pop() as number;
      const op = ops.pop() as number;
      const kind = this.#kind[node];
      const children = this.#children[node] as number[];
      if (op === ENTER) {
        this.#reached[node] = true;
        if (kind === ATOM) {
          const stepId = this.#stepOfNode[node] as number;
          if (this.#done[node] === true) ops.push(COMPLETE, node);
          else if (!this.#waitingOn.has(stepId)) ready.push(stepId);
        } else if (children.length === 0) {
          ops.push(COMPLETE, node);
        } else if (kind === SEQUENCE) {
          ops.push(ENTER, children[0] as number);
        } else {
          this.#counter[node] = children.length;
          for (let i = children.length - 1; i >= 0; i--) ops.push(ENTER, children[i] as number);
        }
        continue;
      }
      const parent = this.#parent[node] as number;
      if (parent < 0) {
        this.#finished = true;
        continue;
      }
      const siblings = this.#children[parent] as number[];
      if (this.#kind[parent] === SEQUENCE) {
        const next = (this.#position[node] as number) + 1;
        if (next < siblings.length) ops.push(ENTER, siblings[next] as number);
        else ops.push(COMPLETE, parent);
      } else {
        const left = (this.#counter[parent] as number) - 1;
        this.#counter[parent] = left;
        if (left === 0) ops.push(COMPLETE, parent);
      }
    }
  }
}
