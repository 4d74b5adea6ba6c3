/**
 * Rescue: what happens when a step fails, and how an operator gets the plan going again.
 *
 * 1. Pause, fix, resume. By default a failed step pauses the plan. Everything done so far is kept;
 *    after fixing the cause, `world.resume(id)` re-runs only the failed step and carries on.
 * 2. Skip a step. On a paused plan, `world.skipStep(id, stepId)` gives up on a failed step. The
 *    steps that take its output by reference are skipped with it; steps that merely come after it
 *    still run. The plan ends with result `warning`.
 * 3. Let the action decide. An action whose `rescueStrategy()` returns `'skip'` is skipped
 *    automatically when it fails, and the plan goes on without anyone stepping in.
 *
 * Run it with `npx tsx examples/rescue.ts`.
 */
import type { ExecutionPlan, StepRecord } from '../src/index.js';
import { Action, World } from '../src/index.js';
import { actionNames, describeStepEvent, stepTable } from './format.js';

/** Simulated environment: an address pool an operator can refill, a package mirror that is down. */
const environment = { freeAddresses: [] as string[], mirrorUp: false };

class ReserveAddress extends Action<{ host: string }, { address: string }> {
  override plan(host: string): void {
    this.planSelf({ host });
  }

  run(): void {
    const address = environment.freeAddresses.shift();
    if (address === undefined) throw new Error(`no free address left for ${this.input.host}`);
    this.output.address = address;
  }
}

class CreateMachine extends Action<{ host: string; address: string }, { machine: string }> {
  override plan(host: string, address: string): void {
    this.planSelf({ host, address });
  }

  run(): void {
    this.output.machine = `${this.input.host}@${this.input.address}`;
  }
}

class InstallAgent extends Action<{ host: string }, { agentId: string }> {
  override plan(host: string): void {
    this.planSelf({ host });
  }

  run(): void {
    if (!environment.mirrorUp) throw new Error('package mirror unreachable');
    this.output.agentId = `agent-${this.input.host}`;
  }
}

class ConfigureAlerts extends Action<{ agentId: string }> {
  override plan(agentId: string): void {
    this.planSelf({ agentId });
  }

  run(): void {
    console.log(`    alerts configured for ${this.input.agentId}`);
  }
}

class OpenFirewall extends Action<{ host: string }> {
  override plan(host: string): void {
    this.planSelf({ host });
  }

  run(): void {
    console.log(`    firewall opened for ${this.input.host}`);
  }
}

/** Nice to have: when it fails, skip it instead of pausing the whole plan. */
class SendWelcomeMail extends Action<{ host: string }> {
  override plan(host: string): void {
    this.planSelf({ host });
  }

  override rescueStrategy(): 'skip' {
    return 'skip';
  }

  run(): void {
    throw new Error('mail server said no');
  }
}

class SetUpServer extends Action {
  override plan(host: string): void {
    this.sequence(() => {
      const address = this.planAction(ReserveAddress, host);
      this.planAction(CreateMachine, host, address.output.address);
      const agent = this.planAction(InstallAgent, host);
      this.concurrence(() => {
        // Needs the agent's output: skipped if InstallAgent is skipped.
        this.planAction(ConfigureAlerts, agent.output.agentId);
        // Merely comes after InstallAgent in the sequence: runs even if it is skipped.
        this.planAction(OpenFirewall, host);
      });
      this.planAction(SendWelcomeMail, host);
    });
  }
}

function report(title: string, plan: ExecutionPlan): void {
  console.log(`\n${title}: plan ${plan.state}, result ${plan.result}`);
  console.log(stepTable(plan, ['run']).replace(/^/gm, '  '));
}

function failedStep(plan: ExecutionPlan): StepRecord {
  const step = plan.steps.find((s) => s.state === 'error');
  if (step === undefined) throw new Error(`plan ${plan.id} has no failed step`);
  return step;
}

const world = new World({
  actions: [
    SetUpServer,
    ReserveAddress,
    CreateMachine,
    InstallAgent,
    ConfigureAlerts,
    OpenFirewall,
    SendWelcomeMail,
  ],
});
await world.start();

let name: (actionId: number) => string = (actionId) => `action ${actionId}`;
world.on('step:state', (event) => {
  if (event.phase === 'run') console.log(`    ${describeStepEvent(event, name)}`);
});

// 1. The address pool is empty: ReserveAddress fails and the plan pauses.
console.log('1. trigger SetUpServer');
const { id, planned, finished } = world.trigger(SetUpServer, 'web1');
name = actionNames(await planned);
let plan = await finished;
report('   first attempt', plan);

// Fix the cause, then resume: only the failed step runs again, and the plan carries on.
console.log('\n   operator: adds 10.0.0.7 to the address pool, resumes');
environment.freeAddresses.push('10.0.0.7');
plan = await world.resume(id);
report('   after resume', plan);

// 2. Now InstallAgent fails (the mirror is down). The operator decides to do without the agent.
const stuck = failedStep(plan);
console.log(`\n2. operator: skips step ${stuck.id} (${stuck.className}: ${stuck.error?.message})`);
await world.skipStep(id, stuck.id);
plan = await world.resume(id);

// 3. SendWelcomeMail failed too, but its rescue strategy is 'skip': no one had to step in.
report('   after skipStep + resume', plan);
const machine = plan.actions.find((a) => a.className === 'CreateMachine');
console.log(`\nThe machine was created all the same: ${machine?.output['machine'] as string}`);

await world.close();
