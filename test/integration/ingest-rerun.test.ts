import { readdir } from 'node:fs/promises';
import { ingestInProcess } from '../../activities/ingest';
import type { IngestInput } from '../../domain/documents';
import type { StepLog } from '../../stores/relational/step-log';
import type { SqlClient } from '../../stores/relational/sql';
import { filler } from '../support/fixtures';
import { openInProcessPipeline, type InProcessPipeline } from '../support/pipeline';

// DESIGN.md non-negotiable 3: every write is keyed, so running every step of a document again, or
// the whole pipeline again, leaves exactly one row, vector, node and edge per item.

let pipeline: InProcessPipeline;
let sql: SqlClient;
let mission: string;
let steps: StepLog;
let activities: InProcessPipeline['ingest'];
let input: IngestInput;

beforeAll(async () => {
  pipeline = await openInProcessPipeline('rerun');
  ({ sql, mission, steps, ingest: activities } = pipeline);
  input = await pipeline.admitText(
    [
      'Ada Lovelace left Lisbon aboard MV-101.',
      ...filler(7, 4000),
      'Grace Hopper met Alan Turing in Reykjavik.',
    ].join('\n\n'),
  );
});

afterAll(async () => {
  await pipeline?.close();
});

async function counts() {
  const count = (text: string) =>
    sql.inMission(mission, async (tx) => Number((await tx.query<{ n: number }>(text)).rows[0]?.n));
  return {
    chunks: await count('SELECT count(*)::int AS n FROM chunks'),
    distinctChunks: await count('SELECT count(DISTINCT chunk_id)::int AS n FROM chunks'),
    vectors: await count('SELECT count(embedding)::int AS n FROM chunks'),
    searchable: await count('SELECT count(*)::int AS n FROM chunks WHERE searchable'),
    entities: await count('SELECT count(*)::int AS n FROM entities'),
    mentions: await count('SELECT count(*)::int AS n FROM entity_mentions'),
    edges: await count('SELECT count(*)::int AS n FROM entity_edges'),
    blobs: (await readdir(pipeline.blobDir, { recursive: true, withFileTypes: true })).filter((entry) =>
      entry.isFile(),
    ).length,
  };
}

it('every step run again, and the whole pipeline run again, write nothing twice', async () => {
  await ingestInProcess(activities, input);
  const once = await counts();
  expect(once.chunks).toBeGreaterThan(2);
  expect(once).toMatchObject({ distinctChunks: once.chunks, vectors: once.chunks, searchable: once.chunks });
  expect(once.entities).toBe(6);
  expect(once.blobs).toBe(2); // the upload and its parsed text

  // As if every step had crashed just before recording its result: all of them execute again.
  await sql.inMission(mission, (tx) => tx.query('DELETE FROM document_steps'));
  await ingestInProcess(activities, input);
  expect(await counts()).toEqual(once);

  // The whole workflow again: every step finds its recorded result.
  await ingestInProcess(activities, input);
  expect(await counts()).toEqual(once);
  const stepLog = await steps.steps(mission, input.documentId);
  expect(stepLog.map((step) => [step.step, step.executions])).toEqual(
    expect.arrayContaining([
      ['parse', 1],
      ['pii', 1],
      ['extract', 1],
      ['graph', 1],
      ['index', 1],
    ]),
  );
});
