import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { missionflowCacheDir, onPath, type Say } from '../../adapters/executables';

const execFileAsync = promisify(execFile);

/**
 * A Python virtual environment with the packages `requirementsFile` pins, made once per machine in
 * the missionflow cache (named after the file's hash, so a changed pin makes a new one), from PyPI.
 * Answers its interpreter.
 */
export async function pythonEnvironment(
  requirementsFile: string,
  env: NodeJS.ProcessEnv,
  say: Say,
): Promise<string> {
  const requirements = await readFile(requirementsFile, 'utf8');
  const digest = createHash('sha256').update(requirements).digest('hex').slice(0, 16);
  const dir = missionflowCacheDir(env, 'bench', `python-${digest}`);
  const python = join(dir, 'bin', 'python');
  const complete = join(dir, '.complete');
  if (existsSync(complete)) return python;
  const system = (await onPath('python3', env)) ?? (await onPath('python', env));
  if (!system) throw new Error('bench:peer needs Python 3 (python3 on PATH) for its LlamaIndex peer');
  say(`peer: installing ${requirementsFile} into ${dir} (once per machine)`);
  await rm(dir, { recursive: true, force: true });
  await execFileAsync(system, ['-m', 'venv', dir]);
  await execFileAsync(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirementsFile],
    {
      timeout: 20 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  await writeFile(complete, `${requirements}`);
  return python;
}
