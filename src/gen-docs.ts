// `npm run docs`: writes docs/commands.md from the command table.
import { writeFileSync } from 'node:fs';
import { CommandTable } from './engine/command-table.js';
import { renderCommandsMarkdown } from './commands/commands-markdown.js';
import { ALL_COMMANDS } from './commands/registry.js';

const target = new URL('../../docs/commands.md', import.meta.url);
writeFileSync(target, renderCommandsMarkdown(new CommandTable(ALL_COMMANDS)));
console.log(`wrote ${target.pathname}`);
