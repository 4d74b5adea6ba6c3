#!/usr/bin/env node
/**
 * The `flowline` executable: runs the command line, then ends the process with the command's exit
 * code once stdout and stderr are flushed.
 *
 * It never relies on the event loop draining, either way: a command may wait on nothing Node
 * counts as pending (the engine's timers are unref'd, and a resumed plan may wait for an event), so
 * the process is kept alive on purpose until the command settles; and an `--actions` module may
 * leave handles open (a connection made at import time), so the process is ended on purpose after.
 */
import { ExitCode } from './exit-codes.js';
import { run } from './run.js';

// A closed pipe (`flowline plans | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// Holds the process open until the command settles (cleared right after).
const keepAlive = setInterval(() => undefined, 2 ** 31 - 1);

void run(process.argv.slice(2))
  .catch((error: unknown) => {
    // run() reports its own failures; this is a last resort, still one line and no stack trace.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `flowline: unexpected error: ${message.replace(/\s+/g, ' ')} (INTERNAL)\n`,
    );
    return ExitCode.INTERNAL;
  })
  .then(async (code) => {
    clearInterval(keepAlive);
    process.exitCode = code;
    await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
    process.exit(code);
  });

/** Resolves once everything written to `stream` so far is handed to the system. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) {
      resolve();
      return;
    }
    // Callbacks run in write order: this one once the earlier writes are flushed (or failed).
    stream.write('', () => {
      resolve();
    });
  });
}
