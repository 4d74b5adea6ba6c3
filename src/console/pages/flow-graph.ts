import type { ComposedFlow } from '../../plan/flow.js';
import type { StepRecord } from '../../plan/records.js';
import type { SafeHtml } from '../html.js';
import { html, raw } from '../html.js';
import type { Links } from '../links.js';

/**
 * Draws a run or finalize flow: a sequence is a row of parts joined by arrows, a concurrence a
 * column of parallel lanes, nested as in the flow. Each step is a box with class
 * `step state-<state>` and `data-step-id` / `data-state` attributes, linking to the step's page.
 *
 * The walk is iterative, like the engine's own flow code, so a deeply nested flow cannot overflow
 * the stack.
 *
 * @param flow - the plan's run or finalize flow
 * @param steps - the plan's steps, ordered by id
 * @param planId - the plan, for links
 * @param links - the console's links
 */
export function flowGraph(
  flow: ComposedFlow,
  steps: readonly StepRecord[],
  planId: string,
  links: Links,
): SafeHtml {
  const out: string[] = [];
  const stack: { node: ComposedFlow; next: number }[] = [];
  const open = (node: ComposedFlow): void => {
    out.push(`<div class="flow ${node.type}">`);
    stack.push({ node, next: 0 });
  };
  // The root run flow is always a concurrence; one with a single part needs no lane around it.
  const top = flow.type === 'concurrence' && flow.flows.length === 1 ? flow.flows[0] : flow;
  if (top === undefined || top.type === 'atom') {
    out.push('<div class="flow sequence">');
    if (top !== undefined)
      out.push(stepBox(top.stepId, steps[top.stepId - 1], planId, links).value);
    out.push('</div>');
    return raw(out.join(''));
  }
  open(top);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as { node: ComposedFlow; next: number };
    const concurrent = frame.node.type === 'concurrence';
    // Back at a concurrence after one of its parts: that part's lane is complete.
    if (concurrent && frame.next > 0) out.push('</div>');
    const child = frame.node.flows[frame.next];
    if (child === undefined) {
      out.push('</div>');
      stack.pop();
      continue;
    }
    if (!concurrent && frame.next > 0)
      out.push('<span class="connector" aria-hidden="true"></span>');
    if (concurrent) out.push('<div class="lane">');
    frame.next++;
    if (child.type === 'atom') {
      out.push(stepBox(child.stepId, steps[child.stepId - 1], planId, links).value);
    } else {
      open(child);
    }
  }
  return raw(out.join(''));
}

/** One step of the graph. */
function stepBox(
  stepId: number,
  step: StepRecord | undefined,
  planId: string,
  links: Links,
): SafeHtml {
  if (step?.id !== stepId) {
    return html`<div class="step state-unknown" data-step-id="${stepId}" data-state="unknown">
      <span class="step-class">step ${stepId}</span>
      <span class="step-meta"><span>not in the plan</span></span>
    </div>`;
  }
  const progress = Math.min(1, Math.max(0, Number.isFinite(step.progress) ? step.progress : 0));
  return html`<div
    class="step state-${step.state}"
    data-step-id="${step.id}"
    data-state="${step.state}"
    title="${step.className} — step ${step.id} (${step.phase}), ${step.state}"
  >
    <a href="${links.step(planId, step.id)}"><span class="step-class">${step.className}</span></a>
    <span class="step-meta"
      ><span>#${step.id}</span><span class="step-state">${step.state}</span
      ><span>${Math.floor(progress * 100)}%</span></span
    >
    <progress
      value="${progress.toFixed(3)}"
      max="1"
      aria-label="progress of step ${step.id}"
    ></progress>
  </div>`;
}

/** A key to the step colours. */
export function legend(): SafeHtml {
  const states = ['pending', 'running', 'suspended', 'success', 'error', 'skipped', 'cancelled'];
  return html`<div class="legend" aria-label="legend">
    ${states.map((state) => html`<span class="step state-${state}">${state}</span>`)}
  </div>`;
}
