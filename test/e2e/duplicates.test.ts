import { request, uploadFile, waitForDocument } from '../support/http';
import { startTestStack, type TestStack } from '../support/stack';
import { runsSettle } from '../support/visibility';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

it('20 concurrent submissions of the same bytes give one document, one run, one chunk set', async () => {
  const bytes = Buffer.from(
    Array.from({ length: 40 }, (_, i) => `Paragraph ${i} of the concurrent duplicate submission test.`).join(
      '\n\n',
    ),
  );
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? uploadFile(stack.baseUrl, 'default', bytes, 'same.txt')
        : request(stack.baseUrl, 'POST', '/v1/missions/default/documents', { text: bytes.toString('utf8') }),
    ),
  );
  expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(202));
  const ids = new Set(answers.map((answer) => answer.body.documentId));
  expect(ids.size).toBe(1);
  expect(answers.filter((answer) => answer.body.duplicate === false)).toHaveLength(1);
  const documentId = [...ids][0] as string;

  const document = await waitForDocument(stack.baseUrl, 'default', documentId);
  expect(document.status).toBe('indexed');

  const inDefault = <Row>(text: string, params: unknown[]) =>
    stack.platform.sql.inMission('default', (tx) => tx.query<Row>(text, params));
  const { rows: documents } = await inDefault<{ n: number }>(
    'SELECT count(*)::int AS n FROM documents WHERE mission_id = $1',
    ['default'],
  );
  expect(documents[0]?.n).toBe(1);
  const { rows: chunks } = await inDefault<{ n: number; distinct_ids: number; vectors: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT chunk_id)::int AS distinct_ids, count(embedding_model)::int AS vectors
     FROM chunks WHERE mission_id = $1 AND document_id = $2`,
    ['default', documentId],
  );
  expect(chunks[0]).toEqual({
    n: document.chunkCount,
    distinct_ids: document.chunkCount,
    vectors: document.chunkCount,
  });
  // Every step ran once; the clean-up, with no older version to remove, is recorded as not needed.
  expect(document.steps.every((step) => step.executions === (step.step === 'cleanup' ? 0 : 1))).toBe(true);
  expect(document.steps.map((step) => step.step)).toContain('cleanup');

  await runsSettle(stack.platform.client, `WorkflowId = "ingest:default:${documentId}"`, 1);

  // A later duplicate of a finished document neither re-runs nor re-indexes it.
  const late = await uploadFile(stack.baseUrl, 'default', bytes, 'again.txt');
  expect(late.body).toMatchObject({ documentId, duplicate: true, status: 'indexed' });
});
