import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCartridge, type Cartridge } from '../domain/cartridge';
import { MissionflowError } from '../domain/errors';

/**
 * Reads every `missions/<id>/cartridge.yaml`. All are validated before any is used: one invalid
 * cartridge refuses the start, with field-level errors naming the file.
 */
export async function readMissionCartridges(
  dir: string,
): Promise<Array<{ cartridge: Cartridge; source: string }>> {
  const entries = await readdir(dir, { withFileTypes: true });
  const found: Array<{ cartridge: Cartridge; source: string }> = [];
  const problems: MissionflowError[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const source = join(dir, entry.name, 'cartridge.yaml');
    let text: string;
    try {
      text = await readFile(source, 'utf8');
    } catch {
      continue;
    }
    try {
      const cartridge = parseCartridge(text, source);
      if (cartridge.mission.id !== entry.name) {
        throw new MissionflowError('invalid_cartridge', `${source}: mission.id must equal its folder name`, [
          { path: 'mission.id', message: `must be '${entry.name}'` },
        ]);
      }
      found.push({ cartridge, source: `file:${entry.name}/cartridge.yaml` });
    } catch (error) {
      if (error instanceof MissionflowError) problems.push(error);
      else throw error;
    }
  }
  if (problems.length > 0) {
    throw new MissionflowError(
      'invalid_cartridge',
      problems.map((problem) => problem.message).join('\n'),
      problems.flatMap((problem) => problem.errors),
    );
  }
  return found;
}
