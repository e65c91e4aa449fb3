import { request, search, waitForDocument, waitForStatus, type DocumentView } from '../support/http';
import { withMissionStack } from '../support/missions';
import type { TestStack } from '../support/stack';

/**
 * The verification queue through the API, on a real Temporal dev server: documents below the
 * cartridge's gates wait for a person; claims are leases; decisions are Updates the waiting run
 * validates; deadlines escalate or decide by default.
 */

const piiPolicy = {
  nationalIds: [{ name: 'staff-id', pattern: '\\bSTAFF-\\d{6}\\b' }],
  policy: { email: 'review', phone: 'redact', payment_card: 'redact', iban: 'keep', national_id: 'review' },
};

let stack: TestStack;
let review: string;
let gates: string;
let expiring: string;
let escalating: string;

withMissionStack(
  ['review', 'gates', 'expiring', 'escalating'],
  {
    cartridges: {
      review: { pii: piiPolicy, verification: { deadlineSeconds: 86_400, claimLeaseSeconds: 600 } },
      gates: {
        verification: { minConsensus: 0.9, minClassConfidence: 0.5 },
        routing: {
          defaultClass: 'general',
          defaultLane: 'standard',
          rules: [
            {
              name: 'drafts',
              when: { titlePattern: '^draft' },
              class: 'draft',
              lane: 'fast',
              confidence: 0.3,
            },
            { name: 'french', when: { languages: ['fr'] }, class: 'french-text', lane: 'standard' },
          ],
        },
      },
      expiring: { pii: piiPolicy, verification: { deadlineSeconds: 2, onDeadline: 'reject' } },
      escalating: { pii: piiPolicy, verification: { deadlineSeconds: 3, onDeadline: 'escalate' } },
    },
  },
  (started, ids) => {
    stack = started;
    [review, gates, expiring, escalating] = ids as [string, string, string, string];
  },
);

async function ingest(mission: string, text: string, title?: string): Promise<string> {
  const admitted = await request(stack.baseUrl, 'POST', `/v1/missions/${mission}/documents`, { text, title });
  expect(admitted.status).toBe(202);
  return admitted.body.documentId as string;
}

const document = async (mission: string, id: string) =>
  (await request<DocumentView>(stack.baseUrl, 'GET', `/v1/missions/${mission}/documents/${id}`)).body;
const claim = (mission: string, task: string, reviewer: string) =>
  request(stack.baseUrl, 'POST', `/v1/missions/${mission}/verification/${task}/claim`, { reviewer });
const decide = (mission: string, task: string, body: Record<string, unknown>) =>
  request(stack.baseUrl, 'POST', `/v1/missions/${mission}/verification/${task}/decision`, body);

/** Ingests `text` and waits for its review task; answers the document and task ids. */
async function awaitingReview(mission: string, text: string, title?: string) {
  const documentId = await ingest(mission, text, title);
  const waiting = await waitForStatus(stack.baseUrl, mission, documentId, 'awaiting_review');
  const taskId = waiting.review?.taskId;
  if (!taskId) throw new Error(`no review task on ${JSON.stringify(waiting)}`);
  return { documentId, taskId, waiting };
}

describe('the review cycle', () => {
  it('approve: the document waits unsearchable, then is indexed; claims are leases and decisions take once', async () => {
    const { documentId, taskId, waiting } = await awaitingReview(
      review,
      'The quartermaster wrote to ledger.keeper@example.org about the brass sextant inventory.',
    );
    expect(waiting.review).toMatchObject({ state: 'open', reasons: ['pii'], claimant: null });
    expect(waiting.pii).toMatchObject({ found: { email: 1 }, review: ['email'] });
    expect(waiting.progress).toMatchObject({ state: 'awaiting_review', step: 'review' });
    expect((await search(stack.baseUrl, review, 'brass sextant inventory')).body.results).toEqual([]);

    // Deciding without a claim is refused; so is claiming what another reviewer holds.
    expect((await decide(review, taskId, { reviewer: 'alice', decision: 'approve' })).body).toMatchObject({
      code: 'claim_required',
    });
    const claimed = await claim(review, taskId, 'alice');
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ state: 'claimed', claimant: 'alice' });
    const conflict = await claim(review, taskId, 'bob');
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ code: 'already_claimed' });
    expect((await decide(review, taskId, { reviewer: 'bob', decision: 'approve' })).body).toMatchObject({
      code: 'already_claimed',
    });
    // Claiming again renews the holder's own lease.
    expect((await claim(review, taskId, 'alice')).status).toBe(200);

    // Two decisions at once: the run's Update validator lets exactly one through.
    const [first, second] = await Promise.all([
      decide(review, taskId, { reviewer: 'alice', decision: 'approve' }),
      decide(review, taskId, { reviewer: 'alice', decision: 'approve' }),
    ]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([200, 409]);
    const refused = first.status === 409 ? first : second;
    expect(refused.body).toMatchObject({ code: 'already_decided' });
    const took = first.status === 200 ? first : second;
    expect(took.body).toMatchObject({ taskId, decision: 'approve', outcome: 'indexing' });

    const indexed = await waitForDocument(stack.baseUrl, review, documentId);
    expect(indexed.status).toBe('indexed');
    expect(indexed.review).toMatchObject({ state: 'decided', claimant: 'alice' });
    expect((await search(stack.baseUrl, review, 'brass sextant inventory')).body.results[0]?.documentId).toBe(
      documentId,
    );
    // A decision after the fact is refused from the task's record.
    expect(
      (await decide(review, taskId, { reviewer: 'alice', decision: 'reject', reason: 'late' })).body,
    ).toMatchObject({
      code: 'already_decided',
    });
  });

  it('reject: the document ends rejected and never searchable; a rejection needs a reason', async () => {
    const { documentId, taskId } = await awaitingReview(
      review,
      'Personnel file STAFF-123456 lists the copper kettle maintenance rota.',
    );
    expect((await document(review, documentId)).pii).toMatchObject({ found: { national_id: 1 } });
    await claim(review, taskId, 'carol');
    const reasonless = await decide(review, taskId, { reviewer: 'carol', decision: 'reject' });
    expect(reasonless.status).toBe(400);
    expect(reasonless.body).toMatchObject({ code: 'invalid_request' });
    const rejected = await decide(review, taskId, {
      reviewer: 'carol',
      decision: 'reject',
      reason: 'personnel files are out of scope',
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ outcome: 'rejected' });
    const final = await waitForDocument(stack.baseUrl, review, documentId);
    expect(final.status).toBe('rejected');
    expect(final.error).toMatchObject({ message: 'personnel files are out of scope' });
    expect(final.review).toMatchObject({ state: 'decided' });
    expect((await search(stack.baseUrl, review, 'copper kettle maintenance rota')).body.results).toEqual([]);
  });

  it('correct: indexed with the corrected class, labels and entities, and the corrections recorded', async () => {
    const { documentId, taskId } = await awaitingReview(
      review,
      'Ada Lovelace met Katherine Johnson in Lisbon; write to orbit.office@example.org for the notes.',
    );
    await claim(review, taskId, 'dave');
    const corrections = {
      documentClass: 'correspondence',
      labels: ['history', 'computing'],
      entities: {
        add: [{ type: 'Person', name: 'Katherine Johnson' }],
        remove: [{ type: 'Place', key: 'lisbon' }],
      },
    };
    const corrected = await decide(review, taskId, { reviewer: 'dave', decision: 'correct', corrections });
    expect(corrected.status).toBe(200);
    const final = await waitForDocument(stack.baseUrl, review, documentId);
    expect(final).toMatchObject({
      status: 'indexed',
      documentClass: 'correspondence',
      labels: ['history', 'computing'],
    });
    expect(final.corrections).toEqual([
      expect.objectContaining({ taskId, reviewer: 'dave', corrections, correctedAt: expect.any(String) }),
    ]);
    const people = await request<{ entities: Array<{ name: string }> }>(
      stack.baseUrl,
      'GET',
      `/v1/missions/${review}/entities?type=Person`,
    );
    expect(people.body.entities.map((entity) => entity.name).sort()).toEqual([
      'Ada Lovelace',
      'Katherine Johnson',
    ]);
    const places = await request<{ entities: unknown[] }>(
      stack.baseUrl,
      'GET',
      `/v1/missions/${review}/entities?type=Place`,
    );
    expect(places.body.entities).toEqual([]);
  });

  it('a correction that is not well formed is refused before it reaches the run', async () => {
    const { taskId } = await awaitingReview(
      review,
      'Reach the lighthouse keeper at beacon@example.org today.',
    );
    await claim(review, taskId, 'erin');
    const empty = await decide(review, taskId, { reviewer: 'erin', decision: 'correct', corrections: {} });
    expect(empty.status).toBe(400);
    const badType = await decide(review, taskId, {
      reviewer: 'erin',
      decision: 'correct',
      corrections: { entities: { add: [{ type: 'Document', name: 'x' }] } },
    });
    expect(badType.status).toBe(400);
    expect(badType.body).toMatchObject({ code: 'invalid_request' });
    expect(
      (await request(stack.baseUrl, 'GET', `/v1/missions/${review}/verification/${taskId}`)).body,
    ).toMatchObject({
      state: 'claimed',
    });
  });

  it('lists tasks oldest first, filtered by state and reason; unknown tasks and other missions are 404', async () => {
    const listed = await request<{
      tasks: Array<{ taskId: string; state: string; createdAt: string; reasons: string[] }>;
    }>(stack.baseUrl, 'GET', `/v1/missions/${review}/verification`);
    expect(listed.status).toBe(200);
    const created = listed.body.tasks.map((task) => task.createdAt);
    expect(created).toEqual([...created].sort());
    expect(listed.body.tasks.length).toBeGreaterThanOrEqual(4);
    const decided = await request<{ tasks: Array<{ state: string }> }>(
      stack.baseUrl,
      'GET',
      `/v1/missions/${review}/verification?state=decided`,
    );
    expect(decided.body.tasks.length).toBeGreaterThanOrEqual(3);
    expect(decided.body.tasks.every((task) => task.state === 'decided')).toBe(true);
    const byReason = await request<{ tasks: unknown[] }>(
      stack.baseUrl,
      'GET',
      `/v1/missions/${review}/verification?reason=low_consensus`,
    );
    expect(byReason.body.tasks).toEqual([]);
    expect(
      (await request(stack.baseUrl, 'GET', `/v1/missions/${review}/verification?state=lost`)).status,
    ).toBe(400);

    const someTask = listed.body.tasks[0]?.taskId ?? '';
    // The task exists in `review`; through another mission it does not.
    expect(
      (await request(stack.baseUrl, 'GET', `/v1/missions/${gates}/verification/${someTask}`)).status,
    ).toBe(404);
    expect((await claim(gates, someTask, 'mallory')).body).toMatchObject({ code: 'task_not_found' });
    expect((await claim(review, 'not-a-task', 'alice')).status).toBe(404);
  });
});

it('a run cancelled while it waits for review withdraws its task from the queue', async () => {
  const { documentId, taskId } = await awaitingReview(review, 'Cancel the order sent to stores@example.org.');
  const detail = await document(review, documentId);
  await stack.platform.client.workflow
    .getHandle((detail as unknown as { workflowId: string }).workflowId)
    .cancel();
  const final = await waitForDocument(stack.baseUrl, review, documentId);
  expect(final.status).toBe('cancelled');
  expect(final.review).toMatchObject({ taskId, state: 'expired' });
  const task = await request(stack.baseUrl, 'GET', `/v1/missions/${review}/verification/${taskId}`);
  expect(task.body).toMatchObject({ decision: null, decidedBy: 'system:cancelled' });
});

describe('the gates', () => {
  it('low consensus: the extractors disagree, and the document shows which found what', async () => {
    const { documentId, waiting } = await awaitingReview(
      gates,
      'Alan Turing discussed the engine with Charles Babbage beside the harbour of Valparaiso.',
    );
    expect(waiting.review?.reasons).toEqual(['low_consensus']);
    const detail = await document(gates, documentId);
    expect(detail.consensusScore).toBeLessThan(0.9);
    const byKey = new Map(detail.consensus?.entities.map((entity) => [entity.key, entity]));
    expect(byKey.get('alan turing')).toMatchObject({
      type: 'Person',
      extractors: ['dictionary', 'heuristic'],
      support: 1,
    });
    expect(byKey.get('charles babbage')?.extractors).toEqual(['heuristic']);
    expect(byKey.get('charles babbage')?.support).toBeLessThan(1);
  });

  it('low class confidence: a rule that is unsure of its class sends the document to review', async () => {
    const { waiting } = await awaitingReview(
      gates,
      'Just a few plain words about rope.',
      'Draft of the rope memo',
    );
    expect(waiting.review?.reasons).toEqual(['low_class_confidence']);
    expect(waiting.lane).toBe('fast');
  });

  it('routing by detected language: the decision, the rule and the language are on the document', async () => {
    const documentId = await ingest(
      gates,
      'Le gardien du phare a écrit que la tempête était pire que les autres.',
    );
    const final = await waitForDocument(stack.baseUrl, gates, documentId);
    expect(final).toMatchObject({ status: 'indexed', documentClass: 'french-text', lane: 'standard' });
    expect(final as unknown as { routingRule: string; language: string }).toMatchObject({
      routingRule: 'french',
      language: 'fr',
    });
  });

  it('a document that passes every gate is indexed without anyone', async () => {
    const documentId = await ingest(gates, 'Plain words about rope and knots, nothing more.');
    expect((await waitForDocument(stack.baseUrl, gates, documentId)).status).toBe('indexed');
  });
});

describe('PII policies', () => {
  it('redact: indexed text and search lose the value; the uploaded original keeps it', async () => {
    const documentId = await ingest(
      review,
      'Call the harbour master on +44 20 7946 0958 about the tide tables.',
    );
    const final = await waitForDocument(stack.baseUrl, review, documentId);
    expect(final.status).toBe('indexed');
    expect(final.pii).toMatchObject({ found: { phone: 1 }, redacted: { phone: 1 }, review: [] });
    const found = await search(stack.baseUrl, review, 'harbour master tide tables');
    expect(found.body.results[0]?.text).toContain('[redacted:phone]');
    expect(found.body.results[0]?.text).not.toContain('7946');
    expect((await search(stack.baseUrl, review, '7946 0958')).body.results).toEqual([]);
    const stored = await stack.platform.stores.documents.get(review, documentId);
    const original = await stack.platform.stores.blobs.get(stored?.blobKey ?? '');
    expect(original.toString('utf8')).toContain('+44 20 7946 0958');
  });

  it('keep: the value is indexed and found', async () => {
    const documentId = await ingest(
      review,
      'The wire went to IBAN GB82 WEST 1234 5698 7654 32 for the lanterns.',
    );
    const final = await waitForDocument(stack.baseUrl, review, documentId);
    expect(final.status).toBe('indexed');
    expect(final.pii).toMatchObject({ found: { iban: 1 }, redacted: { iban: 0 } });
    expect((await search(stack.baseUrl, review, 'GB82 WEST lanterns')).body.results[0]?.text).toContain(
      'GB82 WEST',
    );
  });
});

describe('deadlines', () => {
  it('an undecided task takes the cartridge default decision at its deadline (expired)', async () => {
    const { documentId, taskId } = await awaitingReview(
      expiring,
      'Forward the pumps to pumps@example.org now.',
    );
    const final = await waitForDocument(stack.baseUrl, expiring, documentId, 30_000);
    expect(final.status).toBe('rejected');
    expect(final.review).toMatchObject({ taskId, state: 'expired' });
    const task = await request(stack.baseUrl, 'GET', `/v1/missions/${expiring}/verification/${taskId}`);
    expect(task.body).toMatchObject({ decision: 'reject', decidedBy: 'system:deadline' });
    expect((await claim(expiring, taskId, 'alice')).body).toMatchObject({ code: 'review_expired' });
  });

  it('escalation reopens the task, releases its claim and keeps waiting for a person', async () => {
    const { documentId, taskId } = await awaitingReview(
      escalating,
      'Ask cellar@example.org about the casks.',
    );
    await claim(escalating, taskId, 'frank');
    const reopened = await pollTask(escalating, taskId, (task) => task.escalations >= 1);
    expect(reopened).toMatchObject({ state: 'open', claimant: null });
    expect((await document(escalating, documentId)).status).toBe('awaiting_review');
    expect((await claim(escalating, taskId, 'grace')).status).toBe(200);
    expect((await decide(escalating, taskId, { reviewer: 'grace', decision: 'approve' })).status).toBe(200);
    expect((await waitForDocument(stack.baseUrl, escalating, documentId)).status).toBe('indexed');
  });
});

async function pollTask(
  mission: string,
  taskId: string,
  done: (task: { state: string; escalations: number; claimant: string | null }) => boolean,
) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const task = await request<{ state: string; escalations: number; claimant: string | null }>(
      stack.baseUrl,
      'GET',
      `/v1/missions/${mission}/verification/${taskId}`,
    );
    if (done(task.body)) return task.body;
    if (Date.now() > deadline)
      throw new Error(`task ${taskId} never got there: ${JSON.stringify(task.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
