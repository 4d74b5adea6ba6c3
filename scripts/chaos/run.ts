/**
 * `npm run chaos`: SIGKILLs a process running Flowline plans, again and again, on SQLite and on
 * PostgreSQL, with a storage outage mid-run, then checks that nothing was stranded, lost or run
 * twice. See docs/reliability.md; `npm run chaos -- --help` lists the options. Exits 1 on any
 * violation, 2 on bad arguments or when the run itself could not be made.
 */
import os from 'node:os';
import { runChaos } from './chaos.js';
import type { ChaosOptions } from './options.js';
import { USAGE, parseChaosArgs } from './options.js';
import { reportStore } from './report.js';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
let options: ChaosOptions;
try {
  options = parseChaosArgs(args);
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}

const started = new Date();
const cpus = os.cpus();
console.log(
  `chaos run ${started.toISOString()}: seed ${options.seed}, ${options.plans} plans and ` +
    `${options.kills} kills per store, stores ${options.stores.join(' + ')}; ` +
    `${cpus.length} × ${cpus[0]?.model.trim() ?? 'CPU'}, ` +
    `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);
try {
  const runs = await runChaos(options, (line) => {
    console.log(line);
  });
  let violations = 0;
  for (const run of runs) {
    console.log('');
    for (const line of reportStore(run, options.verbose)) console.log(line);
    violations += run.verification.violations.length;
  }
  console.log('');
  console.log(
    violations === 0
      ? `chaos: PASS on ${runs.map((r) => r.label).join(' and ')}`
      : `chaos: FAIL, ${violations} violations`,
  );
  process.exit(violations === 0 ? 0 : 1);
} catch (error) {
  console.error('chaos: the run could not be made:', error);
  process.exit(2);
}
