/**
 * The journal: the ground truth of a chaos run. Every line is appended with `appendFileSync`, so a
 * line is in the file once the call returns, whatever happens to the process next (SIGKILL
 * included). Child lives and the parent write to the same file, one process at a time except for
 * the parent's few `outage-*` lines (small `O_APPEND` writes, which do not interleave).
 *
 * Lines are words separated by single spaces; the kinds and their fields:
 *
 * | line                                    | by     | when                                    |
 * | --------------------------------------- | ------ | --------------------------------------- |
 * | `life <life> <pid> <mode>`              | child  | first (mode `killed` or `final`)        |
 * | `started <life>`                        | child  | `world.start()` resolved                |
 * | `trigger <n> <plan>`                    | child  | `world.trigger` gave the plan's id      |
 * | `planned <n> <plan>`                    | child  | its `planned` resolved: it is kept      |
 * | `trigger-failed <n> <plan> <message>`   | child  | its `planned` rejected (tried again)    |
 * | `finished <n> <plan> <state> <result>`  | child  | its `finished` resolved                 |
 * | `finished-failed <n> <plan> <message>`  | child  | its `finished` rejected                 |
 * | `start <plan> <step> <token>`           | step   | before its work (`<step>`: `3:run`)     |
 * | `end <plan> <step> <token>`             | step   | after its work, token in its output     |
 * | `hold <life>`                           | child  | told to start no new batch              |
 * | `all-triggered <life>`                  | child  | every plan number triggered             |
 * | `resume <plan>`                         | child  | final life: an operator's `resume`      |
 * | `resumed <plan> <state> <result>`       | child  | it resolved                             |
 * | `resume-failed <plan> <message>`        | child  | it rejected                             |
 * | `settled <life> <how>`                  | child  | final: `all-stopped` or `quiet`         |
 * | `closed <life>`                         | child  | final: `world.close()` resolved         |
 * | `kill <life> <why>`                     | parent | the child is dead of SIGKILL            |
 * | `exit <life> <code> <signal>`           | parent | the child ended without being killed    |
 * | `outage-begin <life> <what>`            | parent | the store became unavailable            |
 * | `outage-end <life>`                     | parent | the store is back                       |
 */
import { appendFileSync, closeSync, openSync, readSync } from 'node:fs';

/** How many fixed fields each kind of line has; what follows them is free text. */
const FIELDS: Readonly<Record<string, number>> = {
  life: 3,
  started: 1,
  trigger: 2,
  planned: 2,
  'trigger-failed': 2,
  finished: 4,
  'finished-failed': 2,
  start: 3,
  end: 3,
  hold: 1,
  'all-triggered': 1,
  resume: 1,
  resumed: 3,
  'resume-failed': 1,
  settled: 2,
  closed: 1,
  kill: 2,
  exit: 3,
  'outage-begin': 1,
  'outage-end': 1,
};

/** One line of the journal. */
export interface JournalLine {
  /** Its position in the journal (0 for the first line): the order things happened in. */
  readonly index: number;
  readonly kind: string;
  /** The fixed fields after the kind. */
  readonly fields: readonly string[];
  /** What follows the fixed fields (a message), or ''. */
  readonly text: string;
}

/** Appends one line (a message may hold spaces; line breaks are replaced). */
export function appendLine(
  file: string,
  kind: string,
  ...fields: readonly (string | number)[]
): string {
  const line = [kind, ...fields.map((f) => String(f).replace(/[\r\n]+/g, ' '))].join(' ');
  appendFileSync(file, `${line}\n`);
  return line;
}

/** Parses one line of text (without its line break). */
export function parseLine(text: string, index: number): JournalLine {
  const words = text.split(' ');
  const kind = words[0] ?? '';
  const count = FIELDS[kind] ?? words.length - 1;
  return {
    index,
    kind,
    fields: words.slice(1, 1 + count),
    text: words.slice(1 + count).join(' '),
  };
}

/**
 * Reads a journal as it grows: each `read()` returns the lines appended since the last one (a
 * line still being written, without its line break, waits for the next read).
 */
export class JournalReader {
  #offset = 0;
  #partial = '';
  readonly #lines: JournalLine[] = [];

  constructor(private readonly file: string) {}

  /** Every line read so far. */
  get lines(): readonly JournalLine[] {
    return this.#lines;
  }

  /** Reads what was appended since the last call and returns those lines. */
  read(): readonly JournalLine[] {
    const fd = openSync(this.file, 'r');
    const chunks: Buffer[] = [];
    try {
      const buffer = Buffer.alloc(1 << 16);
      for (;;) {
        const size = readSync(fd, buffer, 0, buffer.length, this.#offset);
        if (size === 0) break;
        chunks.push(Buffer.from(buffer.subarray(0, size)));
        this.#offset += size;
      }
    } finally {
      closeSync(fd);
    }
    const text = this.#partial + Buffer.concat(chunks).toString('utf8');
    const parts = text.split('\n');
    this.#partial = parts.pop() ?? '';
    const added: JournalLine[] = [];
    for (const part of parts) {
      if (part === '') continue;
      const line = parseLine(part, this.#lines.length);
      this.#lines.push(line);
      added.push(line);
    }
    return added;
  }
}
