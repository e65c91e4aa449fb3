import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LexicalEmbedder } from '../../activities/embedding';
import { createIngestActivities, ingestInProcess } from '../../activities/ingest';
import { ingestWorkflowId, type IngestInput } from '../../domain/documents';
import { createLogger } from '../../observability/logger';
import { createMetrics } from '../../observability/metrics';
import { LocalBlobStore } from '../../stores/blobs';
import { LruSearchCache } from '../../stores/cache';
import { CartridgeStore } from '../../stores/cartridges';
import { DocumentStore } from '../../stores/documents';
import { documentIdFor } from '../../stores/ids';
import { readMissionCartridges } from '../../stores/mission-files';
import { openEmbeddedDatabase } from '../../stores/pglite';
import type { SqlClient } from '../../stores/sql';
import { SqlGraphStore } from '../../stores/sql-graph';
import { PgVectorStore } from '../../stores/vectors';
import { filler } from '../support/fixtures';
import { writeTestMissions } from '../support/missions';

// DESIGN.md non-negotiable 3: every write is keyed, so running every step of a document again, or
// the whole pipeline again, leaves exactly one row, vector, node and edge per item.

let sql: SqlClient;
let scratch: string;
let missionsDir: string;
let mission: string;
let documents: DocumentStore;
let activities: ReturnType<typeof createIngestActivities>;
let input: IngestInput;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'mf-rerun-'));
  const missions = await writeTestMissions(['rerun']);
  missionsDir = missions.dir;
  mission = missions.ids[0] as string;
  ({ sql } = await openEmbeddedDatabase());
  documents = new DocumentStore(sql);
  const cartridges = new CartridgeStore(sql);
  const [loaded] = await readMissionCartridges(missionsDir);
  const { version } = await cartridges.activate(loaded!.cartridge, loaded!.source);
  const blobs = new LocalBlobStore(join(scratch, 'blobs'));
  activities = createIngestActivities({
    documents,
    cartridges,
    blobs,
    vectors: new PgVectorStore(sql),
    cache: new LruSearchCache({ maxEntries: 10 }),
    graph: new SqlGraphStore(sql),
    embedder: new LexicalEmbedder(64),
    logger: createLogger('silent'),
    metrics: createMetrics(),
    taskQueuePrefix: 'rerun',
    embedBatchSize: 4,
    parserMemoryMb: 512,
  });
  const text = [
    'Ada Lovelace left Lisbon aboard MV-101.',
    ...filler(7, 4000),
    'Grace Hopper met Alan Turing in Reykjavik.',
  ].join('\n\n');
  const blob = await blobs.putBytes(Buffer.from(text), mission);
  const documentId = documentIdFor(mission, blob.sha256);
  await documents.admit({
    missionId: mission,
    documentId,
    sha256: blob.sha256,
    sizeBytes: blob.sizeBytes,
    mediaType: 'text/plain',
    title: null,
    metadata: {},
    blobKey: blob.key,
    cartridgeVersion: version,
    workflowId: ingestWorkflowId(mission, documentId),
  });
  input = { missionId: mission, documentId, cartridgeVersion: version };
});

afterAll(async () => {
  await sql?.close();
  await rm(scratch, { recursive: true, force: true });
  await rm(missionsDir, { recursive: true, force: true });
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
    blobs: (await readdir(join(scratch, 'blobs'), { recursive: true, withFileTypes: true })).filter((entry) =>
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
  const steps = await documents.steps(mission, input.documentId);
  expect(steps.map((step) => [step.step, step.executions])).toEqual(
    expect.arrayContaining([
      ['parse', 1],
      ['extract', 1],
      ['index', 1],
    ]),
  );
});
