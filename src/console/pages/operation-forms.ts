import type { ExecutionPlan, StepRecord } from '../../plan/records.js';
import type { SafeHtml } from '../html.js';
import { html } from '../html.js';
import type { PageContext } from './layout.js';
import { csrfField } from './layout.js';

const HALTABLE = new Set<string>(['running', 'paused', 'planned']);
const CANCELLABLE = new Set<string>(['running', 'paused', 'planned', 'scheduled']);

/** Whether a step of this plan may be skipped from the console. */
export function canSkip(plan: ExecutionPlan, step: StepRecord): boolean {
  // In a plan being rolled back, only a failed compensation can be skipped.
  const phaseOk =
    plan.compensateFlow === undefined ? step.phase !== 'plan' : step.phase === 'compensate';
  return plan.state === 'paused' && step.state === 'error' && phaseOk;
}

/** Whether the plan may be rolled back: paused, or stopped with result error. */
export function canRollBack(plan: ExecutionPlan): boolean {
  return plan.state === 'paused' || (plan.state === 'stopped' && plan.result === 'error');
}

/** The plan's operation buttons that apply to its state (none in a read-only console). */
export function planOperations(ctx: PageContext, plan: ExecutionPlan): SafeHtml {
  if (!ctx.canOperate) return html``;
  const { links } = ctx;
  const forms: SafeHtml[] = [];
  if (plan.state === 'paused') {
    forms.push(
      html`<form method="post" action="${links.operation(plan.id, 'resume')}">
        ${csrfField(ctx)}<button class="primary" type="submit" name="op" value="resume">
          Resume
        </button>
      </form>`,
    );
  }
  if (canRollBack(plan)) {
    forms.push(
      html`<form method="post" action="${links.operation(plan.id, 'rollback')}">
        ${csrfField(ctx)}<button class="danger" type="submit" name="op" value="rollback">
          Rollback
        </button>
      </form>`,
    );
  }
  if (HALTABLE.has(plan.state)) {
    forms.push(
      html`<form method="post" action="${links.operation(plan.id, 'halt')}">
        ${csrfField(ctx)}<button class="danger" type="submit" name="op" value="halt">Halt</button>
      </form>`,
    );
  }
  if (CANCELLABLE.has(plan.state)) {
    forms.push(
      html`<form method="post" action="${links.operation(plan.id, 'cancel')}">
        ${csrfField(ctx)}<button class="danger" type="submit" name="op" value="cancel">
          Cancel
        </button>
        <label class="muted"><input type="checkbox" name="force" value="1" /> force</label>
      </form>`,
    );
  }
  return html`<section class="operations">
    <h2>Operations</h2>
    ${
      forms.length === 0
        ? html`<p class="muted">No operation applies to a ${plan.state} plan.</p>`
        : html`<div class="ops">${forms}</div>`
    }
  </section>`;
}

/** The Skip button of a failed step (nothing when it cannot be skipped from here). */
export function skipForm(
  ctx: PageContext,
  plan: ExecutionPlan,
  step: StepRecord,
  from: 'plan' | 'step',
): SafeHtml {
  if (!ctx.canOperate || !canSkip(plan, step)) return html``;
  return html`<form class="skip" method="post" action="${ctx.links.skip(plan.id, step.id)}">
    ${csrfField(ctx)}<input type="hidden" name="from" value="${from}" />
    <button type="submit" name="op" value="skip">Skip</button>
  </form>`;
}
