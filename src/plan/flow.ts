/**
 * Flows describe the order of steps: an `atom` is one step, a `sequence` runs its parts one after
 * another, a `concurrence` runs them at the same time. Plans keep them as plain JSON trees.
 */

/** One step. */
export interface AtomFlow {
  readonly type: 'atom';
  readonly stepId: number;
}

/** Parts run one after another. */
export interface SequenceFlow {
  readonly type: 'sequence';
  readonly flows: Flow[];
}

/** Parts run at the same time. */
export interface ConcurrenceFlow {
  readonly type: 'concurrence';
  readonly flows: Flow[];
}

/** A run or finalize flow of an execution plan. */
export type Flow = AtomFlow | SequenceFlow | ConcurrenceFlow;

/** A flow that holds other flows. */
export type ComposedFlow = SequenceFlow | ConcurrenceFlow;

/** Builds an empty composed flow of the given kind. */
export function composed(type: ComposedFlow['type']): ComposedFlow {
  return { type, flows: [] };
}

/**
 * Simplifies a flow tree the way Dynflow's `flatten!` does: empty composites disappear, a composite
 * with one part becomes that part, and a sequence inside a sequence (or a concurrence inside a
 * concurrence) is merged into its parent. Linear in the size of the tree and iterative, so deep or
 * wide trees neither overflow the stack nor copy lists level after level.
 *
 * @param root - the tree to simplify; it is not modified
 * @param rootType - the kind the result must have (the root run flow is always a concurrence)
 */
export function normalizeFlow(root: Flow, rootType: ComposedFlow['type']): ComposedFlow {
  const shape = analyse(root);
  if (shape.empty.has(root)) return composed(rootType);
  const top = shape.collapse(root);
  const result: ComposedFlow = composed(rootType);
  if (top.type !== rootType) {
    result.flows.push(top.type === 'atom' ? top : expand(top, shape));
    return result;
  }
  fill(top, result.flows, shape);
  return result;
}

interface Shape {
  /** Composites with no step below them. */
  readonly empty: Set<Flow>;
  /** Follows composites that have exactly one non-empty part down to that part. */
  collapse(flow: Flow): Flow;
}

/** One post-order pass: which composites are empty, and which have a single non-empty part. */
function analyse(root: Flow): Shape {
  const empty = new Set<Flow>();
  const only = new Map<Flow, Flow>();
  const stack: { node: ComposedFlow; expanded: boolean }[] = [];
  if (root.type !== 'atom') stack.push({ node: root, expanded: false });
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as { node: ComposedFlow; expanded: boolean };
    if (!frame.expanded) {
      frame.expanded = true;
      for (const child of frame.node.flows) {
        if (child.type !== 'atom') stack.push({ node: child, expanded: false });
      }
      continue;
    }
    stack.pop();
    let count = 0;
    let last: Flow | undefined;
    for (const child of frame.node.flows) {
      if (empty.has(child)) continue;
      count++;
      last = child;
    }
    if (count === 0) empty.add(frame.node);
    else if (count === 1 && last !== undefined) only.set(frame.node, last);
  }
  return {
    empty,
    collapse(flow) {
      let current = flow;
      for (let next = only.get(current); next !== undefined; next = only.get(current)) {
        current = next;
      }
      return current;
    },
  };
}

/** A new composite of `node`'s kind holding its simplified parts. */
function expand(node: ComposedFlow, shape: Shape): ComposedFlow {
  const out: ComposedFlow = composed(node.type);
  fill(node, out.flows, shape);
  return out;
}

/** Appends the simplified parts of `node` to `into`, a list of a composite of `node`'s kind. */
function fill(node: ComposedFlow, into: Flow[], shape: Shape): void {
  const stack: { node: ComposedFlow; index: number; into: Flow[] }[] = [{ node, index: 0, into }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as { node: ComposedFlow; index: number; into: Flow[] };
    const child = frame.node.flows[frame.index++];
    if (child === undefined) {
      stack.pop();
      continue;
    }
    if (shape.empty.has(child)) continue;
    const part = shape.collapse(child);
    if (part.type === 'atom') {
      frame.into.push(part);
    } else if (part.type === frame.node.type) {
      stack.push({ node: part, index: 0, into: frame.into });
    } else {
      const out: ComposedFlow = composed(part.type);
      frame.into.push(out);
      stack.push({ node: part, index: 0, into: out.flows });
    }
  }
}

/**
 * Every step id in a flow, in tree order.
 *
 * @param flow - the flow to walk
 */
export function flowStepIds(flow: Flow): number[] {
  const ids: number[] = [];
  const stack: Flow[] = [flow];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === undefined) break;
    if (node.type === 'atom') ids.push(node.stepId);
    else for (let i = node.flows.length - 1; i >= 0; i--) stack.push(node.flows[i] as Flow);
  }
  return ids;
}
