import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../temporal/dev-server';
import { openPglite } from '../../stores/relational/pglite';
import { testEnv } from '../support/env';
import { startEmbeddingServer, type EmbeddingServer } from '../support/embedding-server';
import { filler } from '../support/fixtures';
import { request, waitForDocument, type DocumentView } from '../support/http';
import { until } from '../support/wait';
import { runsSettle } from '../support/visibility';
import { freshNamespace, spawnStack, type SpawnedStack } from '../support/stack';

const dimensions = 32;
let embeddings: EmbeddingServer;
let dataDir: string;
let stack: SpawnedStack | null = null;

beforeEach(async () => {
  embeddings = await startEmbeddingServer(dimensions);
  dataDir = await mkdtemp(join(tmpdir(), 'mf-crash-'));
});
afterEach(async () => {
  await stack?.killHard().catch(() => undefined);
  stack = null;
  await embeddings.close();
  await rm(dataDir, { recursive: true, force: true });
});

function embeddingEnv(): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    ...embeddings.env,
    EMBEDDINGS_BATCH_SIZE: '4',
  };
}

/** Opens the stopped stack's database directly, to count rows independently of the API. */
async function countRows(documentIds: string[]) {
  const sql = await openPglite(join(dataDir, 'pglite'));
  try {
    const { rows } = await sql.query<{
      document_id: string;
      chunk_count: number;
      chunks: number;
      distinct_chunks: number;
      vectors: number;
    }>(
      `SELECT d.document_id, d.chunk_count, count(c.chunk_id)::int AS chunks,
              count(DISTINCT c.chunk_id)::int AS distinct_chunks, count(c.embedding)::int AS vectors
       FROM documents d LEFT JOIN chunks c ON c.mission_id = d.mission_id AND c.document_id = d.document_id
       WHERE d.document_id = ANY($1::text[]) GROUP BY d.document_id, d.chunk_count`,
      [documentIds],
    );
    const steps = await sql.query<{ document_id: string; step: string; executions: number }>(
      `SELECT document_id, step, executions FROM document_steps WHERE document_id = ANY($1::text[])`,
      [documentIds],
    );
    return { documents: rows, steps: steps.rows };
  } finally {
    await sql.close();
  }
}

it('a worker killed with SIGKILL mid-document resumes at the unfinished step, redoing nothing finished', async () => {
  const namespace = await freshNamespace();
  const env = { ...embeddingEnv(), TEMPORAL_ADDRESS: testEnv.temporalAddress, TEMPORAL_NAMESPACE: namespace };
  // Two batches of vectors are written, the third request hangs: the document is held inside
  // the embed step with parse and chunk finished and part of its vectors stored.
  embeddings.behaviour = (index) => (index === 2 ? 'hang' : 'answer');
  stack = await spawnStack(env);
  const text = filler(7, 9000).join('\n\n');
  const admitted = await request(stack.baseUrl, 'POST', '/v1/missions/default/documents', { text });
  expect(admitted.status).toBe(202);
  const documentId = admitted.body.documentId as string;
  await until(() => embeddings.requests.length === 3, 30_000, 'the third embedding request');

  await stack.killHard();
  embeddings.behaviour = () => 'answer';
  stack = await spawnStack(env);
  const document: DocumentView = await waitForDocument(stack.baseUrl, 'default', documentId, 90_000);
  expect(document.status).toBe('indexed');
  const executions = Object.fromEntries(document.steps.map((step) => [step.step, step.executions]));
  expect(executions).toEqual({
    classify: 1,
    parse: 1,
    pii: 1,
    chunk: 1,
    embed: 2,
    extract: 1,
    graph: 1,
    index: 1,
    // A first version leaves nothing older: the index step records the clean-up as not needed.
    cleanup: 0,
  });

  // The eight chunks embedded before the crash were not sent again; only the hung batch was.
  const chunkCount = document.chunkCount as number;
  const [first, second, hung, ...afterRestart] = embeddings.requests.map((req) => req.input);
  const sentAgain = afterRestart.flat();
  expect(sentAgain).toEqual(expect.arrayContaining(hung ?? []));
  expect(sentAgain.filter((text) => [...(first ?? []), ...(second ?? [])].includes(text))).toEqual([]);
  expect(8 + sentAgain.length).toBe(chunkCount);
  expect(await stack.stop()).toBe(0);
  stack = null;

  const counted = await countRows([documentId]);
  expect(counted.documents).toEqual([
    {
      document_id: documentId,
      chunk_count: chunkCount,
      chunks: chunkCount,
      distinct_chunks: chunkCount,
      vectors: chunkCount,
    },
  ]);
});

it('kill -9 of the whole embedded stack mid-batch of 20, then a restart: all 20 indexed exactly once', async () => {
  const temporalPort = await freePort();
  const env = {
    ...embeddingEnv(),
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_HEADLESS: 'true',
    TEMPORAL_CLI_PATH: testEnv.temporalCliPath,
    LANE_CONCURRENCY: '2',
  };
  embeddings.delayMs = 400;
  stack = await spawnStack(env);
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const answer = await request(stack.baseUrl, 'POST', '/v1/missions/default/documents', {
      text: `Batch document ${i}.\n\n${filler(100 + i, 1500).join('\n\n')}`,
    });
    expect(answer.status).toBe(202);
    ids.push(answer.body.documentId as string);
  }
  const indexedCount = async (baseUrl: string) => {
    const list = await request<{ documents: unknown[] }>(
      baseUrl,
      'GET',
      '/v1/missions/default/documents?status=indexed&limit=200',
    );
    return list.body.documents.length;
  };
  const firstBaseUrl = stack.baseUrl;
  await until(async () => (await indexedCount(firstBaseUrl)) >= 2, 60_000, 'two indexed documents');
  const before = await indexedCount(firstBaseUrl);
  expect(before).toBeLessThan(20);

  await stack.killHard();
  embeddings.delayMs = 0;
  stack = await spawnStack(env);
  const restarted = stack.baseUrl;
  await until(async () => (await indexedCount(restarted)) === 20, 120_000, 'all 20 documents indexed');

  const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
  try {
    const client = new Client({ connection, namespace: 'default' });
    for (const id of ids) await runsSettle(client, `WorkflowId = "ingest:default:${id}"`, 1);
  } finally {
    await connection.close();
  }
  expect(await stack.stop()).toBe(0);
  stack = null;

  const counted = await countRows(ids);
  expect(counted.documents).toHaveLength(20);
  for (const row of counted.documents) {
    expect(row.chunk_count).toBeGreaterThan(0);
    expect(row).toEqual({
      ...row,
      chunks: row.chunk_count,
      distinct_chunks: row.chunk_count,
      vectors: row.chunk_count,
    });
  }
  // Steps that finished before the crash ran once; only a step cut mid-way ran again.
  for (const step of counted.steps)
    expect(step.executions).toBeLessThanOrEqual(step.step === 'classify' || step.step === 'index' ? 1 : 2);
});
