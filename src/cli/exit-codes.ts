/**
 * The exit codes of the `flowline` command. Scripts may rely on them: they never change meaning.
 */
export const ExitCode = {
  /** The command did what it was asked, and the plan (if any) ended well. */
  OK: 0,
  /**
   * `watch`, `resume` or `flows run`: the plan (the flow run) ended paused, or stopped with result `error` or `cancelled`;
   * `rollback`: the plan is paused again (a compensation failed).
   */
  PLAN_NOT_OK: 1,
  /**
   * Bad command line: unknown command or option, missing argument, bad value, bad actions module,
   * an unreadable flow file, or a flow definition that does not validate (`flows validate|run`).
   */
  USAGE: 2,
  /**
   * The store cannot be used: missing or unreadable file, not a Flowline store, server refused, a
   * store that cannot keep flows.
   */
  STORE: 3,
  /** No plan has the given id (or, for `flows run <name>`, no flow has the given name). */
  PLAN_NOT_FOUND: 4,
  /** The engine refused the operation (e.g. resuming a plan that is not paused). */
  REFUSED: 5,
  /** Something unexpected went wrong (a bug): run again with `--debug` for the stack trace. */
  INTERNAL: 70,
  /** Interrupted by SIGINT or SIGTERM before the plan was paused or stopped (128 + SIGINT). */
  INTERRUPTED: 130,
} as const;

/** Union of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The exit code for a plan a command waited for: {@link ExitCode.OK} when it stopped with result
 * `success` or `warning`, {@link ExitCode.PLAN_NOT_OK} when it is paused or stopped otherwise.
 *
 * @param plan - the plan's state and result
 */
export function exitCodeOf(plan: { readonly state: string; readonly result: string }): ExitCode {
  return plan.state === 'stopped' && (plan.result === 'success' || plan.result === 'warning')
    ? ExitCode.OK
    : ExitCode.PLAN_NOT_OK;
}
