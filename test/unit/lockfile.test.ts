import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/env';

/**
 * `npm ci` (the Dockerfile's install) refuses a lockfile that leaves out any dependency a locked
 * package names, optional platform bindings of other machines included, while `npm install` quietly
 * accepts it. This is the same check, made on the file alone, so a dependency update that drops
 * them fails here rather than in an image build.
 */

interface LockedPackage {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  dev?: boolean;
  link?: boolean;
}

const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, LockedPackage>;
};

/** Where Node would find `name` from the package at `from`: its own node_modules, then each parent's. */
function resolves(from: string, name: string): boolean {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (lock.packages[candidate]) return true;
    if (base === '') return false;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

it('is a lockfile version that records every package (v2 or v3)', () => {
  expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
});

it('lists every dependency and optional dependency that a locked package names', () => {
  const missing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (entry.link) continue;
    const named = { ...entry.dependencies, ...entry.optionalDependencies };
    for (const name of Object.keys(named)) {
      if (!resolves(path, name)) missing.push(`${path || '(root)'} -> ${name}`);
    }
  }
  expect(missing).toEqual([]);
});
