import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../support/env';

/** Workflow code is replayed: it may import only the workflow SDK, types, and pure domain code. */
async function importsOf(dir: string): Promise<Array<{ file: string; statement: string; from: string }>> {
  const found: Array<{ file: string; statement: string; from: string }> = [];
  for (const file of (await readdir(join(repoRoot, dir))).filter((name) => name.endsWith('.ts'))) {
    const source = await readFile(join(repoRoot, dir, file), 'utf8');
    for (const match of source.matchAll(/^(import|export)\s[^;]*?from\s+'([^']+)';/gms)) {
      found.push({ file: `${dir}/${file}`, statement: match[0], from: match[2] as string });
    }
  }
  return found;
}

it('workflows import only @temporalio/workflow, types, domain code and each other', async () => {
  for (const { file, statement, from } of await importsOf('workflows')) {
    const typeOnly = /^import type\s/.test(statement);
    const allowed =
      from === '@temporalio/workflow' || from.startsWith('../domain/') || from.startsWith('./') || typeOnly;
    expect({ file, from, allowed }).toEqual({ file, from, allowed: true });
  }
});

it('domain code uses no Node built-ins and no I/O clients', async () => {
  const pure = new Set(['zod', 'yaml', 'magic-bytes.js', '@temporalio/common']);
  for (const { file, from } of await importsOf('domain')) {
    expect({ file, from, pure: from.startsWith('./') || pure.has(from) }).toEqual({ file, from, pure: true });
  }
});
