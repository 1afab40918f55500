// Runs every compiled uvu suite (dist/test/**/*.test.js) in its own process, so one suite's
// servers and timers can't leak into another's, and ends with the line CI reads.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../dist/test/', import.meta.url).pathname;
const only = process.argv.slice(2);

function findSuites(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findSuites(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

function runSuite(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => { out += d; process.stderr.write(d); });
    const timer = setTimeout(() => { out += '\nsuite timed out after 300s\n'; child.kill('SIGKILL'); }, 300_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const passed = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
      // A suite that crashed before reporting counts as one failure, never as zero tests.
      const failed = code === 0 ? total - passed - skipped : Math.max(1, total - passed - skipped);
      resolve({ passed, failed, skipped });
    });
  });
}

const suites = findSuites(root).filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
let passed = 0, failed = 0, skipped = 0;
const failedSuites = [];
for (const file of suites) {
  console.log(`\n# ${relative(root, file)}`);
  const r = await runSuite(file);
  passed += r.passed; failed += r.failed; skipped += r.skipped;
  if (r.failed > 0) failedSuites.push(relative(root, file));
}
if (failedSuites.length) console.log(`\nfailed suites: ${failedSuites.join(', ')}`);
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 && suites.length > 0 ? 0 : 1);
