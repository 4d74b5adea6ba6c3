/**
 * Declaration merging of `FlowlineContext`, on a program of its own (an augmentation is global to
 * the program that sees it, so it cannot sit among the other tests): an application declares its
 * services once, `this.context` and middleware's `context` are typed by them, and
 * `new World({ context })` refuses a context that lacks one or has one of the wrong type.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const entry = path.join(root, 'src/index.js');

const app = `
import { Action, World } from ${JSON.stringify(entry)};
import type { Middleware } from ${JSON.stringify(entry)};

interface Mailer { send(to: string): Promise<void>; }

declare module ${JSON.stringify(entry)} {
  interface FlowlineContext { mailer: Mailer; }
}

export class Notify extends Action<{ to: string }> {
  async run() {
    await this.context.mailer.send(this.input.to);
    // @ts-expect-error the merged service is a Mailer, not a string
    const text: string = this.context.mailer;
    void text;
  }
}

export const audit: Middleware = {
  async run(next, event, { context }) {
    await context.mailer.send('audit');
    await next(event);
  },
};

new World({ context: { mailer: { send: async () => {} } }, actions: [Notify] });
// @ts-expect-error the context lacks the mailer
new World({ context: {} });
// @ts-expect-error the mailer is of the wrong type
new World({ context: { mailer: 'smtp://localhost' } });
`;

describe('FlowlineContext declaration merging', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-context-types-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('types this.context and middleware context by the merged services, and World checks them', () => {
    const file = path.join(dir, 'app.mts');
    writeFileSync(file, app);
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2023.d.ts'],
      types: ['node'],
      typeRoots: [path.join(root, 'node_modules/@types')],
      skipLibCheck: true,
      noImplicitOverride: true,
      verbatimModuleSyntax: true,
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    // An unused @ts-expect-error is an error too, so an empty list proves both ways.
    expect(diagnostics).toEqual([]);
  }, 60_000);
});
