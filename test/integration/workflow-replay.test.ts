import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { repoRoot, testEnv } from '../support/env';

const historiesDir = join(repoRoot, 'test', 'histories');

/** Every payload of a history, decoded, as one string: what Temporal stores about a run. */
export function historyPayloadText(history: unknown): string {
  const texts: string[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record.data === 'string' && record.metadata)
        texts.push(Buffer.from(record.data, 'base64').toString('utf8'));
      Object.values(record).forEach(visit);
    }
  };
  visit(history);
  return texts.join('\n');
}

describe('recorded workflow histories', () => {
  it('replay deterministically against the current workflow code', async () => {
    const files = (await readdir(historiesDir)).filter((file) => file.endsWith('.json'));
    // Histories from before patched() workflow changes stay: they are what older runs look like.
    // Those named after a patch are runs that took it (test/support/record-history.ts).
    const firstRelease = [
      'deletion-during-ingest',
      'deletion',
      'ingest-cancelled-by-deletion',
      'ingest-deep-sections',
      'ingest-failed',
      'ingest-handing-over-update',
      'ingest-indexed-with-entities',
      'ingest-indexed',
      'ingest-rejected-at-deadline',
      'ingest-reviewed-corrected',
      'ingest-scanned-image',
    ];
    const leanTextSteps = [...firstRelease, 'ingest-update-cleaned-up'].map(
      (name) => `${name}.lean-text-steps`,
    );
    expect(files.sort()).toEqual([...firstRelease, ...leanTextSteps].map((name) => `${name}.json`).sort());
    for (const file of files) {
      const history = JSON.parse(await readFile(join(historiesDir, file), 'utf8')) as unknown;
      await expect(
        Worker.runReplayHistory({ workflowBundle: { codePath: testEnv.workflowBundlePath } }, history, file),
      ).resolves.toBeUndefined();
    }
  });

  it('hold references only: no document text in inputs, results or any event (claim check)', async () => {
    const history = JSON.parse(
      await readFile(join(historiesDir, 'ingest-indexed.lean-text-steps.json'), 'utf8'),
    ) as unknown;
    const stored = historyPayloadText(history);
    expect(stored).toContain('"missionId":"default"');
    expect(stored).not.toContain('recorded for the replay test');
    expect(Buffer.byteLength(JSON.stringify(history))).toBeLessThan(64 * 1024);
    const withoutTheirText: Array<[string, string]> = [
      ['ingest-indexed-with-entities.json', 'updated under its external id'],
      ['deletion.json', 'then deleted'],
      ['ingest-reviewed-corrected.json', 'notes.desk@example.org'],
      ['ingest-rejected-at-deadline.json', 'quiet.desk@example.org'],
      ['ingest-scanned-image.json', 'tide table'],
      ['ingest-deep-sections.json', 'A long recorded report'],
    ];
    for (const [file, text] of withoutTheirText) {
      for (const recording of [file, file.replace(/\.json$/, '.lean-text-steps.json')]) {
        const recorded = JSON.parse(await readFile(join(historiesDir, recording), 'utf8')) as unknown;
        expect(historyPayloadText(recorded)).not.toContain(text);
      }
    }
  });

  it('a changed workflow fails the replay', async () => {
    const text = await readFile(join(historiesDir, 'ingest-indexed.json'), 'utf8');
    // The history says another activity was scheduled than the code schedules: non-deterministic.
    expect(text).toContain('"parseDocument"');
    const tampered = JSON.parse(text.replace(/"parseDocument"/g, '"someOtherActivity"')) as unknown;
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: { codePath: testEnv.workflowBundlePath } },
        tampered,
        'tampered',
      ),
    ).rejects.toThrow(/[Nn]ondeterminism|someOtherActivity|parseDocument/);
  });
});
