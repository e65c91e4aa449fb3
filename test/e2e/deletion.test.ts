import { temporal } from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time';
import { withEmbeddingServer } from '../support/embedding-server';
import { request, search, waitForDocument } from '../support/http';
import { withMissionStack } from '../support/missions';
import type { TestStack } from '../support/stack';
import { until } from '../support/wait';
import { runsSettle } from '../support/visibility';

let stack: TestStack;
let mission: string;
// A real embeddings endpoint the test can make hang, to hold a step in flight; it answers the same
// vectors as the default embedder, at its default dimension.
const embeddings = withEmbeddingServer();
withMissionStack(
  ['deletion'],
  () => ({ env: embeddings().env }),
  (started, [id]) => {
    stack = started;
    mission = id as string;
  },
);

const doomedText =
  'Ada Lovelace sailed from Lisbon aboard MV-101 with notes on the analytical engine and its zephyr cams.';
const keptText = 'Grace Hopper met Ada Lovelace in Reykjavik to compare compilers and tide tables.';

async function ingest(text: string): Promise<string> {
  const accepted = await request<{ documentId: string }>(
    stack.baseUrl,
    'POST',
    `/v1/missions/${mission}/documents`,
    {
      text,
    },
  );
  expect(accepted.status).toBe(202);
  expect((await waitForDocument(stack.baseUrl, mission, accepted.body.documentId)).status).toBe('indexed');
  return accepted.body.documentId;
}

async function rowCounts(documentId: string) {
  return stack.platform.sql.inMission(mission, async (tx) => {
    const count = async (text: string) =>
      Number((await tx.query<{ n: number }>(text, [mission, documentId])).rows[0]?.n);
    return {
      chunks: await count('SELECT count(*)::int AS n FROM chunks WHERE mission_id = $1 AND document_id = $2'),
      steps: await count(
        'SELECT count(*)::int AS n FROM document_steps WHERE mission_id = $1 AND document_id = $2',
      ),
    };
  });
}

const entityKeys = async () =>
  (
    await request<{ entities: Array<{ key: string; mentions: number }> }>(
      stack.baseUrl,
      'GET',
      `/v1/missions/${mission}/entities?limit=200`,
    )
  ).body.entities;

it('a deleted document leaves search at once, then every store, and its bytes; a second delete finds the same run', async () => {
  const doomed = await ingest(doomedText);
  const kept = await ingest(keptText);
  expect((await search(stack.baseUrl, mission, 'zephyr cams')).body.results[0]?.documentId).toBe(doomed);
  expect((await entityKeys()).map((entity) => entity.key).sort()).toEqual(
    ['ada lovelace', 'grace hopper', 'lisbon', 'mv-101', 'reykjavik'].sort(),
  );
  const stored = await stack.platform.documents.get(mission, doomed);
  const blobKey = stored?.blobKey as string;
  expect(await stack.platform.stores.blobs.exists(blobKey)).toBe(true);

  const deleted = await request<{ workflowId: string; status: string }>(
    stack.baseUrl,
    'DELETE',
    `/v1/missions/${mission}/documents/${doomed}`,
  );
  expect(deleted.status).toBe(202);
  expect(deleted.body.status).toBe('deleted');
  // Out of search before the answer came back, cached answers included.
  expect((await search(stack.baseUrl, mission, 'zephyr cams')).body.results).toEqual([]);

  await until(
    async () => (await stack.platform.documents.get(mission, doomed))?.purgedAt !== null,
    60_000,
    'the deletion workflow to purge the document',
  );
  const tombstone = await request<{ status: string }>(
    stack.baseUrl,
    'GET',
    `/v1/missions/${mission}/documents/${doomed}`,
  );
  expect(tombstone.body.status).toBe('deleted');
  expect(await rowCounts(doomed)).toEqual({ chunks: 0, steps: 0 });
  expect(await stack.platform.stores.blobs.exists(blobKey)).toBe(false);
  // Entities only the deleted document mentioned are gone; shared ones keep the other's mentions.
  const remaining = await entityKeys();
  expect(remaining.map((entity) => entity.key).sort()).toEqual(['ada lovelace', 'grace hopper', 'reykjavik']);
  expect(remaining.find((entity) => entity.key === 'ada lovelace')?.mentions).toBe(1);
  // The other document is untouched.
  expect((await search(stack.baseUrl, mission, 'compilers tide')).body.results[0]?.documentId).toBe(kept);
  // Its whole step log, from classify to clean-up, is still there.
  expect(await rowCounts(kept)).toMatchObject({ steps: 9 });

  const again = await request<{ workflowId: string }>(
    stack.baseUrl,
    'DELETE',
    `/v1/missions/${mission}/documents/${doomed}`,
  );
  expect(again.status).toBe(202);
  expect(again.body.workflowId).toBe(deleted.body.workflowId);
  await runsSettle(stack.platform.client, `WorkflowId = "${deleted.body.workflowId}"`, 1);
});

it('the same bytes sent after the deletion come back as the next content version, with a run of their own', async () => {
  const text = 'Alan Turing walked through Valparaiso counting the quince trees of the harbour.';
  const first = await ingest(text);
  await request(stack.baseUrl, 'DELETE', `/v1/missions/${mission}/documents/${first}`);
  await until(
    async () => (await stack.platform.documents.get(mission, first))?.purgedAt !== null,
    60_000,
    'the purge',
  );
  const again = await request<{ documentId: string; workflowId: string; duplicate: boolean }>(
    stack.baseUrl,
    'POST',
    `/v1/missions/${mission}/documents`,
    { text },
  );
  expect(again.status).toBe(202);
  expect(again.body).toMatchObject({ documentId: first, duplicate: false });
  expect(again.body.workflowId).toMatch(/:v2$/);
  const document = await waitForDocument(stack.baseUrl, mission, first);
  expect(document).toMatchObject({ status: 'indexed' });
  expect((await search(stack.baseUrl, mission, 'quince trees')).body.results[0]?.documentId).toBe(first);
});

it('deleting what does not exist answers 404 and changes nothing', async () => {
  const missing = await request<{ code: string }>(
    stack.baseUrl,
    'DELETE',
    `/v1/missions/${mission}/documents/${'0'.repeat(32)}`,
  );
  expect(missing.status).toBe(404);
  expect(missing.body.code).toBe('document_not_found');
  expect((await request(stack.baseUrl, 'DELETE', `/v1/missions/${mission}/documents/not-an-id`)).status).toBe(
    404,
  );
  expect(
    (await request(stack.baseUrl, 'DELETE', `/v1/missions/nobody/documents/${'0'.repeat(32)}`)).status,
  ).toBe(404);
});

it('a document deleted while a step is in flight is purged only after its run has stopped, and nothing of it stays', async () => {
  embeddings().behaviour = () => 'hang';
  let documentId = '';
  try {
    const asked = embeddings().requests.length;
    const accepted = await request<{ documentId: string; workflowId: string }>(
      stack.baseUrl,
      'POST',
      `/v1/missions/${mission}/documents`,
      { text: 'Edsger Dijkstra drew semaphores on the napkins of a cafe in Nuenen while the kettle sang.' },
    );
    expect(accepted.status).toBe(202);
    documentId = accepted.body.documentId;
    const ingestWorkflowId = accepted.body.workflowId;
    await until(async () => embeddings().requests.length > asked, 30_000, 'the embed step to be in flight');

    const deleted = await request<{ workflowId: string }>(
      stack.baseUrl,
      'DELETE',
      `/v1/missions/${mission}/documents/${documentId}`,
    );
    expect(deleted.status).toBe(202);
    const deletion = stack.platform.client.workflow.getHandle(deleted.body.workflowId);
    expect(await deletion.result()).toMatchObject({ status: 'deleted' });

    // The run stopped (its embed step acknowledged the cancellation) before the purge was scheduled.
    const ingestRun = await stack.platform.client.workflow.getHandle(ingestWorkflowId).describe();
    expect(ingestRun.status.name).toBe('CANCELLED');
    const history = await deletion.fetchHistory();
    const purgeScheduled = history.events?.find(
      (event) =>
        event.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED &&
        event.activityTaskScheduledEventAttributes?.activityType?.name === 'purgeDocumentData',
    );
    expect(purgeScheduled).toBeDefined();
    expect(tsToMs(purgeScheduled?.eventTime)).toBeGreaterThanOrEqual(
      ingestRun.closeTime?.getTime() ?? Infinity,
    );
  } finally {
    embeddings().behaviour = () => 'answer';
  }
  expect(await rowCounts(documentId)).toEqual({ chunks: 0, steps: 0 });
  const tombstone = await stack.platform.documents.get(mission, documentId);
  expect(tombstone).toMatchObject({ status: 'deleted' });
  expect(tombstone?.purgedAt).not.toBeNull();
  const found = await search(stack.baseUrl, mission, 'semaphores napkins Nuenen');
  expect(found.status).toBe(200);
  expect(found.body.results.map((result) => result.documentId)).not.toContain(documentId);
});
