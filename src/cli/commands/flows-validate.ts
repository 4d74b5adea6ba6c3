/**
 * `flowline flows validate <file>`: checks a flow file as `flows.save` would and prints every
 * violation as `file:line:column path: message` (see commands/flows.ts for its help).
 */
import { parseFlow } from '../../flows/index.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { flowActionsOption, readFlowFile, violationsOf, writeViolations } from '../flow-source.js';
import { toJsonText } from '../output.js';

/** The summary `--json` prints for `flows validate`. */
export interface ValidateResult {
  readonly valid: boolean;
  readonly file: string;
  /** The flow's name, when valid. */
  readonly flow?: string;
  /** Its number of stages, when valid. */
  readonly stages?: number;
  /** Every violation, when invalid. */
  readonly violations?: readonly {
    readonly path: string;
    readonly message: string;
    readonly line?: number;
    readonly column?: number;
  }[];
}

/**
 * Runs `flowline flows validate`.
 *
 * @param ctx - the command's context
 */
export async function runValidate(ctx: CommandContext): Promise<number> {
  const file = readFlowFile(ctx.positionals[0] ?? '', ctx.io.cwd, ctx.command);
  const actions = await flowActionsOption(ctx.values, ctx.io.cwd, ctx.command);
  let result: ValidateResult;
  try {
    const flow = parseFlow(file.text, { fileName: file.name, actions: actions.stages });
    result = { valid: true, file: file.name, flow: flow.name, stages: flow.stages.length };
  } catch (error) {
    const violations = violationsOf(error);
    if (violations === undefined) throw error;
    result = { valid: false, file: file.name, violations };
  }
  if (ctx.json) {
    ctx.io.stdout.write(toJsonText(result, true));
  } else if (result.valid) {
    const count = result.stages ?? 0;
    ctx.io.stdout.write(
      `${file.name}: flow ${JSON.stringify(result.flow)} is valid (${count} stage${count === 1 ? '' : 's'})\n`,
    );
  }
  if (result.valid) return ExitCode.OK;
  if (!ctx.json) writeViolations(ctx.io.stderr, file.name, result.violations ?? []);
  return ExitCode.USAGE;
}
