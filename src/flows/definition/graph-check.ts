import { unknownActionFinding } from './action-props.js';
import type { Finding } from './finding.js';
import { entryStages, findCycles, reachableFrom } from './graph.js';
import type { KnownActions } from './known-actions.js';
import type { FlowDefinition } from './types.js';

/** Cycles named at most (each may be long). */
const MAX_CYCLES = 20;
const ONE_ENTRY = 'a flow has exactly one entry stage: the one no stage lists in out';

/**
 * The findings of a flow whose shape matches the schema, about its names and its graph: empty
 * names, duplicate stage names, unknown actions, `out` naming a missing stage or one stage twice,
 * a cycle (named stage by stage), not exactly one entry stage, stages not reachable from the entry.
 * Linear in the stages and `out` entries.
 *
 * @internal
 */
export function graphFindings(flow: FlowDefinition, known: KnownActions): Finding[] {
  const findings: Finding[] = [];
  if (flow.name.trim() === '') findings.push({ path: '/name', message: 'the flow needs a name' });
  const { stages } = flow;
  if (stages.length === 0) {
    findings.push({ path: '/stages', message: `no stages: ${ONE_ENTRY}` });
    return findings;
  }
  const indexOf = new Map<string, number>();
  for (const [index, stage] of stages.entries()) {
    const path = `/stages/${index}`;
    const first = indexOf.get(stage.name);
    if (stage.name.trim() === '')
      findings.push({ path: `${path}/name`, message: 'the stage needs a name' });
    if (first !== undefined) {
      findings.push({
        path: `${path}/name`,
        message: `duplicate stage name ${JSON.stringify(stage.name)} (also /stages/${first})`,
      });
    } else {
      indexOf.set(stage.name, index);
    }
  }
  for (const [index, stage] of stages.entries()) {
    const unknown = unknownActionFinding(stage.action, `/stages/${index}/action`, known);
    if (unknown !== undefined) findings.push(unknown);
    const listed = new Set<string>();
    for (const [position, target] of stage.out.entries()) {
      const path = `/stages/${index}/out/${position}`;
      const name = JSON.stringify(target);
      if (!indexOf.has(target)) findings.push({ path, message: `stage ${name} does not exist` });
      else if (listed.has(target))
        findings.push({ path, message: `stage ${name} is listed twice in out` });
      listed.add(target);
    }
  }
  // The graph checks look at the first stage of each name: a duplicate is already a finding.
  const unique = stages.filter((stage, index) => indexOf.get(stage.name) === index);
  for (const cycle of findCycles(unique, MAX_CYCLES)) {
    // At the out entry that closes the cycle.
    const from = indexOf.get(cycle.at(-2) as string) ?? 0;
    const position = stages[from]?.out.indexOf(cycle.at(-1) as string) ?? 0;
    findings.push({
      path: `/stages/${from}/out/${position}`,
      message: `cycle: ${cycle.join(' → ')}`,
    });
  }
  const entries = entryStages(unique);
  if (entries.length === 0) {
    findings.push({
      path: '/stages',
      message: `no entry stage (every stage is in an out): ${ONE_ENTRY}`,
    });
  } else if (entries.length > 1) {
    const names = entries.map((name) => JSON.stringify(name)).join(', ');
    findings.push({
      path: '/stages',
      message: `${entries.length} entry stages (${names}): ${ONE_ENTRY}`,
    });
  } else {
    const entry = entries[0] as string;
    const reached = reachableFrom(unique, entry);
    for (const stage of unique) {
      if (reached.has(stage.name)) continue;
      findings.push({
        path: `/stages/${indexOf.get(stage.name) ?? 0}`,
        message: `stage ${JSON.stringify(stage.name)} is not reachable from the entry stage ${JSON.stringify(entry)}`,
      });
    }
  }
  return findings;
}
