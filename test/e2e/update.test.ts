import { withEmbeddingServer } from '../support/embedding-server';
import { request, search, waitForDocument } from '../support/http';
import { withMissionStack } from '../support/missions';
import type { TestStack } from '../support/stack';
import { until } from '../support/wait';

let stack: TestStack;
let mission: string;
// A real embeddings endpoint that can hold a version's run at its embed step; it answers the same
// vectors as the default embedder, at its default dimension.
const embeddings = withEmbeddingServer();
withMissionStack(
  ['update'],
  () => ({ env: embeddings().env }),
  (started, [id]) => {
    stack = started;
    mission = id as string;
  },
);

interface Admitted {
  documentId: string;
  workflowId: string;
  duplicate: boolean;
}

const submit = (text: string, externalId = 'field-report-7') =>
  request<Admitted & { code?: string }>(stack.baseUrl, 'POST', `/v1/missions/${mission}/documents`, {
    text,
    externalId,
  });

const chunkVersions = (documentId: string) =>
  stack.platform.sql.inMission(mission, async (tx) =>
    (
      await tx.query<{ content_version: number }>(
        'SELECT DISTINCT content_version FROM chunks WHERE mission_id = $1 AND document_id = $2 ORDER BY 1',
        [mission, documentId],
      )
    ).rows.map((row) => row.content_version),
  );

it('new text under an external id replaces the document: the new version in search, the old one gone everywhere', async () => {
  const first = await submit('Ada Lovelace reported from Lisbon on the marigold canal survey.');
  expect(first.status).toBe(202);
  expect((await waitForDocument(stack.baseUrl, mission, first.body.documentId)).status).toBe('indexed');
  const firstBlob = (await stack.platform.documents.get(mission, first.body.documentId))?.blobKey as string;
  // An update waits for the whole run of the current version, its clean-up included.
  await stack.platform.client.workflow.getHandle(first.body.workflowId).result();

  const second = await submit('Grace Hopper reported from Reykjavik on the indigo glacier survey.');
  expect(second.status).toBe(202);
  expect(second.body).toMatchObject({ documentId: first.body.documentId, duplicate: false });
  expect(second.body.workflowId).toMatch(/:v2$/);
  // The old version is still what search knows until the new one is indexed.
  const meanwhile = await search(stack.baseUrl, mission, 'marigold canal');
  const swapped = await stack.platform.documents.get(mission, first.body.documentId);
  if (swapped?.status !== 'indexed')
    expect(meanwhile.body.results[0]?.documentId).toBe(first.body.documentId);

  const updated = await waitForDocument(stack.baseUrl, mission, first.body.documentId);
  expect(updated).toMatchObject({ status: 'indexed' });
  expect(
    (
      await request<{ contentVersion: number }>(
        stack.baseUrl,
        'GET',
        `/v1/missions/${mission}/documents/${first.body.documentId}`,
      )
    ).body.contentVersion,
  ).toBe(2);
  expect((await search(stack.baseUrl, mission, 'indigo glacier')).body.results[0]?.documentId).toBe(
    first.body.documentId,
  );
  expect((await search(stack.baseUrl, mission, 'marigold canal')).body.results).toEqual([]);

  // Afterwards the old version's chunks, graph part and bytes are removed.
  await until(
    async () => (await chunkVersions(first.body.documentId)).join() === '2',
    30_000,
    'old chunks removed',
  );
  await until(async () => !(await stack.platform.stores.blobs.exists(firstBlob)), 30_000, 'old blob removed');
  const entities = await request<{ entities: Array<{ key: string }> }>(
    stack.baseUrl,
    'GET',
    `/v1/missions/${mission}/entities`,
  );
  expect(entities.body.entities.map((entity) => entity.key).sort()).toEqual(['grace hopper', 'reykjavik']);

  // The same text again is a duplicate, not a third version.
  const again = await submit('Grace Hopper reported from Reykjavik on the indigo glacier survey.');
  expect(again.body).toMatchObject({ duplicate: true });
});

it('updates sent while the previous version is processed are queued; the latest becomes the next version when that run ends', async () => {
  embeddings().behaviour = () => 'hang';
  const asked = embeddings().requests.length;
  let first: Awaited<ReturnType<typeof submit>>;
  try {
    first = await submit('Alan Turing drafted the saffron ledger in Valparaiso.', 'field-report-8');
    expect(first.status).toBe(202);
    await until(
      async () => embeddings().requests.length > asked,
      30_000,
      'version 1 to be at its embed step',
    );

    const second = await submit('Alan Turing rewrote the saffron ledger twice.', 'field-report-8');
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ status: 'queued', duplicate: false });
    expect(second.body.workflowId).toBe(`${first.body.workflowId}:v2`);
    const third = await submit(
      'Alan Turing burned the saffron ledger and kept the quince one.',
      'field-report-8',
    );
    expect(third.body).toMatchObject({ status: 'queued', workflowId: second.body.workflowId });

    const waiting = await request<{
      status: string;
      contentVersion: number;
      queuedUpdate: { sha256: string };
    }>(stack.baseUrl, 'GET', `/v1/missions/${mission}/documents/${first.body.documentId}`);
    expect(waiting.body).toMatchObject({ status: 'processing', contentVersion: 1 });
    expect(waiting.body.queuedUpdate).not.toBeNull();
  } finally {
    embeddings().behaviour = () => 'answer';
    embeddings().release();
  }

  // Version 1's run ends and hands over: the latest update is version 2, with a run of its own.
  const documentId = first.body.documentId;
  await until(
    async () => {
      const current = await stack.platform.documents.get(mission, documentId);
      return current?.contentVersion === 2 && current.status === 'indexed';
    },
    60_000,
    'the queued update to be indexed as version 2',
  );
  const indexed = await stack.platform.documents.get(mission, documentId);
  expect(indexed?.queuedUpdate).toBeNull();
  expect((await search(stack.baseUrl, mission, 'burned quince')).body.results[0]?.documentId).toBe(
    documentId,
  );
  expect(
    (await search(stack.baseUrl, mission, 'rewrote twice')).body.results.map((result) => result.text),
  ).not.toContain('Alan Turing rewrote the saffron ledger twice.');
  await until(
    async () => (await chunkVersions(documentId)).join() === '2',
    30_000,
    'version 1 chunks removed',
  );
  // The bytes of the update that was replaced while queued are removed with version 1's.
  await until(
    async () => (await stack.platform.documents.get(mission, documentId))?.supersededBlobKeys.length === 0,
    30_000,
    'superseded blobs removed',
  );
  const invalid = await request<{ code: string }>(
    stack.baseUrl,
    'POST',
    `/v1/missions/${mission}/documents`,
    {
      text: 'x',
      externalId: 'bad\u0000id',
    },
  );
  expect([invalid.status, invalid.body.code]).toEqual([400, 'invalid_request']);
});

it('the current version sent again after an update was queued cancels that update: last word wins', async () => {
  embeddings().behaviour = () => 'hang';
  const asked = embeddings().requests.length;
  const original = 'Frances Allen charted the juniper shoals.';
  let first: Awaited<ReturnType<typeof submit>>;
  try {
    first = await submit(original, 'field-report-10');
    await until(
      async () => embeddings().requests.length > asked,
      30_000,
      'version 1 to be at its embed step',
    );
    expect((await submit('Frances Allen erased the juniper shoals.', 'field-report-10')).body).toMatchObject({
      status: 'queued',
    });
    const again = await submit(original, 'field-report-10');
    expect(again.body).toMatchObject({ duplicate: true, workflowId: first.body.workflowId });
  } finally {
    embeddings().behaviour = () => 'answer';
    embeddings().release();
  }
  await stack.platform.client.workflow.getHandle(first.body.workflowId).result();
  const settled = await stack.platform.documents.get(mission, first.body.documentId);
  expect(settled).toMatchObject({ status: 'indexed', contentVersion: 1, queuedUpdate: null });
  expect(await stack.platform.resume.resumeUnstarted()).toBe(0);
});

it('an update left queued by a run that ended without handing it over is started by the sweep', async () => {
  const first = await submit('Barbara Liskov mapped the cobalt harbour.', 'field-report-9');
  expect((await waitForDocument(stack.baseUrl, mission, first.body.documentId)).status).toBe('indexed');
  const documentId = first.body.documentId;
  await until(
    async () =>
      (await stack.platform.client.workflow.getHandle(first.body.workflowId).describe()).status.name ===
      'COMPLETED',
    30_000,
    'version 1 run to close',
  );
  // As a run from before queued updates, or one that crashed at its end, would leave it.
  const bytes = Buffer.from('Barbara Liskov remapped the cobalt harbour at dawn.');
  const blob = await stack.platform.stores.blobs.putBytes(bytes, mission);
  const current = await stack.platform.documents.get(mission, documentId);
  await stack.platform.stores.versions.queueUpdate({
    ...(current as NonNullable<typeof current>),
    sha256: blob.sha256,
    sizeBytes: blob.sizeBytes,
    blobKey: blob.key,
  });

  expect(await stack.platform.resume.resumeUnstarted()).toBe(1);
  await until(
    async () => {
      const now = await stack.platform.documents.get(mission, documentId);
      return now?.contentVersion === 2 && now.status === 'indexed';
    },
    60_000,
    'the swept update to be indexed as version 2',
  );
  expect((await search(stack.baseUrl, mission, 'remapped dawn')).body.results[0]?.documentId).toBe(
    documentId,
  );
  expect(await stack.platform.resume.resumeUnstarted()).toBe(0);
});
