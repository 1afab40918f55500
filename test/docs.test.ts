// docs/commands.md must be what the command table renders: regenerate it with `npm run docs`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { CommandTable } from '../src/engine/command-table.js';
import { renderCommandsMarkdown } from '../src/commands/commands-markdown.js';
import { ALL_COMMANDS } from '../src/commands/registry.js';

test('docs/commands.md is generated from the current command table', () => {
  const committed = readFileSync(new URL('../../docs/commands.md', import.meta.url), 'utf8');
  assert.ok(committed === renderCommandsMarkdown(new CommandTable(ALL_COMMANDS)), 'docs/commands.md is stale: run `npm run docs`');
});

test('every command has a summary, a since version and a group', () => {
  for (const spec of new CommandTable(ALL_COMMANDS).all()) {
    for (const s of [spec, ...(spec.subcommands ?? [])]) {
      assert.ok(s.summary.length > 0 && /^\d+\.\d+\.\d+$/.test(s.since), s.name);
      assert.ok(s.run !== undefined || (s.subcommands?.length ?? 0) > 0, `${s.name} has neither a handler nor subcommands`);
    }
  }
});

test.run();
