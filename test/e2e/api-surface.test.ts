import { request, search, uploadFile, waitForDocument } from '../support/http';
import { countRuns, runsSettle } from '../support/visibility';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
const ids: string[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  for (let i = 0; i < 5; i++) {
    const answer = await request(stack.baseUrl, 'POST', '/v1/missions/default/documents', {
      text: `Listing document number ${i} about lighthouse keeper ${i}.`,
      title: `Doc ${i}`,
      metadata: { index: i },
    });
    ids.push(answer.body.documentId as string);
  }
  const broken = await uploadFile(stack.baseUrl, 'default', Buffer.from('%PDF-1.4 broken'), 'broken.pdf');
  ids.push(broken.body.documentId as string);
  for (const id of ids) await waitForDocument(stack.baseUrl, 'default', id);
});
afterAll(async () => {
  await stack?.stop();
});

it('lists documents newest first with status filter and cursor pagination', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { documents: Array<{ documentId: string }>; nextCursor: string | null } } =
      await request(
        stack.baseUrl,
        'GET',
        `/v1/missions/default/documents?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
    expect(page.body.documents.length).toBeLessThanOrEqual(2);
    seen.push(...page.body.documents.map((document) => document.documentId));
    cursor = page.body.nextCursor;
  } while (cursor);
  expect(seen.sort()).toEqual([...ids].sort());

  const failed = await request<{ documents: Array<{ documentId: string; error: { code: string } }> }>(
    stack.baseUrl,
    'GET',
    '/v1/missions/default/documents?status=failed',
  );
  expect(failed.body.documents.map((document) => document.documentId)).toEqual([ids[5]]);
  expect(failed.body.documents[0]?.error.code).toBe('parse_failed');

  expect((await request(stack.baseUrl, 'GET', '/v1/missions/default/documents?status=bogus')).status).toBe(
    400,
  );
  expect((await request(stack.baseUrl, 'GET', '/v1/missions/default/documents?cursor=nonsense')).status).toBe(
    400,
  );
  expect(
    (await request(stack.baseUrl, 'GET', `/v1/missions/default/documents/${'0'.repeat(32)}`)).body,
  ).toMatchObject({
    code: 'document_not_found',
  });
});

it('the Web UI can filter runs by MissionId, IngestStatus, Lane and DocumentClass', async () => {
  const client = stack.platform.client;
  // A run sets IngestStatus=indexed after its clean-up step, a moment after the document row says
  // indexed: wait for the counts, then hold them exact.
  const settles = (query: string, expected: number) => runsSettle(client, query, expected);
  await settles('MissionId = "default" AND IngestStatus = "indexed"', 5);
  await settles('MissionId = "default" AND IngestStatus = "failed"', 1);
  await settles('Lane = "fast" AND DocumentClass = "general"', 5);
  expect(await countRuns(client, 'MissionId = "other"')).toBe(0);
});

it('missions, health, metrics and the OpenAPI document', async () => {
  const missions = await request<{ missions: Array<{ missionId: string; activeVersion: number }> }>(
    stack.baseUrl,
    'GET',
    '/v1/missions',
  );
  expect(missions.body.missions).toEqual([
    expect.objectContaining({ missionId: 'default', activeVersion: 1 }),
  ]);
  expect((await request(stack.baseUrl, 'GET', '/v1/missions/default')).body).toMatchObject({
    missionId: 'default',
    activeVersion: 1,
  });
  expect((await request(stack.baseUrl, 'GET', '/health/live')).status).toBe(200);
  expect((await request(stack.baseUrl, 'GET', '/health/startup')).status).toBe(200);
  expect((await request(stack.baseUrl, 'GET', '/health/ready')).body).toMatchObject({
    status: 'ok',
    checks: { database: { status: 'ok' }, temporal: { status: 'ok' } },
  });

  const first = await search(stack.baseUrl, 'default', 'lighthouse keeper');
  const again = await search(stack.baseUrl, 'default', 'lighthouse keeper');
  expect([first.body.cached, again.body.cached]).toEqual([false, true]);
  expect(again.body.results).toEqual(first.body.results);
  const metrics = await (await fetch(`${stack.baseUrl}/metrics`)).text();
  expect(metrics).toMatch(/missionflow_documents_ingested_total\{mission="default"\} 5/);
  expect(metrics).toMatch(/missionflow_documents_failed_total\{mission="default",code="parse_failed"\} 1/);
  expect(metrics).toMatch(/missionflow_step_duration_seconds_count\{mission="default",step="parse"\} 6/);
  expect(metrics).toMatch(/missionflow_search_duration_seconds_count\{mission="default",cached="false"\} 1/);
  expect(metrics).toMatch(/missionflow_search_duration_seconds_count\{mission="default",cached="true"\} 1/);
  expect(metrics).toMatch(/missionflow_process_cpu_seconds_total/);

  const openapi = await request<{ openapi: string; paths: Record<string, unknown> }>(
    stack.baseUrl,
    'GET',
    '/openapi.json',
  );
  expect(openapi.body.openapi).toBe('3.1.0');
  expect(Object.keys(openapi.body.paths)).toEqual(
    expect.arrayContaining([
      '/v1/missions/{mission}/documents',
      '/v1/missions/{mission}/search',
      '/v1/missions/{mission}/verification',
      '/v1/missions/{mission}/verification/{task}/claim',
      '/v1/missions/{mission}/verification/{task}/decision',
      '/v1/missions/{mission}/events',
    ]),
  );
  expect((await request(stack.baseUrl, 'GET', '/v1/nothing-here')).body).toMatchObject({ code: 'not_found' });
});

it('search answers the best chunks with their fields, and nothing for unrelated words', async () => {
  const found = await search(stack.baseUrl, 'default', 'lighthouse keeper 3', 3);
  expect(found.body.results.length).toBeLessThanOrEqual(3);
  expect(found.body.results[0]).toEqual({
    documentId: ids[3],
    chunkId: `${ids[3]}:1:0`,
    score: expect.any(Number),
    text: 'Listing document number 3 about lighthouse keeper 3.',
    title: 'Doc 3',
    heading: null,
    passages: [
      {
        chunkId: `${ids[3]}:1:0`,
        score: expect.any(Number),
        text: 'Listing document number 3 about lighthouse keeper 3.',
        heading: null,
      },
    ],
  });
  expect(found.body.cached).toBe(false);
  expect((await search(stack.baseUrl, 'default', 'xylophone')).body.results).toEqual([]);
});
