#!/usr/bin/env node
// `npm test`: lint, format check, type check, build (spawned-stack tests run dist/), then Jest with
// a JSON report in .reports/, ending with the line `N passed, N failed, N skipped`.
const { spawnSync } = require('node:child_process');
const { mkdirSync } = require('node:fs');

function step(name, command, args) {
  process.stderr.write(`\n== ${name}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`\n${name} failed\n`);
    process.stdout.write('0 passed, 1 failed, 0 skipped\n');
    process.exit(result.status ?? 1);
  }
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
step('eslint', npx, ['eslint', '.']);
step('prettier', npx, ['prettier', '--check', '.']);
step('typecheck', npx, ['tsc', '-p', 'tsconfig.json', '--noEmit']);
step('build', npx, ['tsc', '-p', 'tsconfig.build.json']);
mkdirSync('.reports', { recursive: true });
// PGlite loads its WebAssembly parts with a dynamic import(), which Jest's module VM only allows
// with this flag.
const nodeOptions = [
  process.env.NODE_OPTIONS,
  '--experimental-vm-modules',
  '--disable-warning=ExperimentalWarning',
]
  .filter(Boolean)
  .join(' ');
const jest = spawnSync(npx, ['jest', '--json', '--outputFile=.reports/jest.json', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: nodeOptions },
});
process.exit(jest.status ?? 1);
