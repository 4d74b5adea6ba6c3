#!/usr/bin/env node
/**
 * The `flowline` executable: runs the command line and sets the exit code. Everything it opens is
 * closed before it returns, so the process ends on its own once output is flushed.
 */
import { run } from './run.js';

// A closed pipe (`flowline plans | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

void run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
