import { request, search, waitForDocument } from '../support/http';
import { withMissionStack } from '../support/missions';
import type { TestStack } from '../support/stack';

// Two missions with overlapping content. Through every endpoint that takes :mission, nothing of
// mission B may be readable, searchable, traversable, cacheable or deletable through mission A,
// including B's own ids used in A's paths. (The stores' contract suites prove the same per store,
// and the relational suite proves it in SQL under row-level security.)

let stack: TestStack;
let alpha: string;
let beta: string;
const ids: Record<string, { shared: string; own: string }> = {};

interface Entity {
  entityId: string;
  key: string;
}

const shared = 'Ada Lovelace and Grace Hopper met in Lisbon to discuss the quartz lantern accords.';
const ownText = (mission: string) =>
  mission.startsWith('alpha')
    ? 'Alan Turing charted Valparaiso while the saffron beacon burned.'
    : 'MV-777 left Reykjavik carrying the obsidian ledger of the north.';

withMissionStack(['alpha', 'beta'], {}, (started, ids) => {
  stack = started;
  [alpha, beta] = ids as [string, string];
});

beforeAll(async () => {
  for (const mission of [alpha, beta]) {
    const submitted: string[] = [];
    for (const text of [shared, ownText(mission)]) {
      const accepted = await request<{ documentId: string }>(
        stack.baseUrl,
        'POST',
        `/v1/missions/${mission}/documents`,
        {
          text,
        },
      );
      expect((await waitForDocument(stack.baseUrl, mission, accepted.body.documentId)).status).toBe(
        'indexed',
      );
      submitted.push(accepted.body.documentId);
    }
    ids[mission] = { shared: submitted[0] as string, own: submitted[1] as string };
  }
});

const get = <T = Record<string, unknown>>(path: string) => request<T>(stack.baseUrl, 'GET', path);

it('the same bytes in two missions are two documents', () => {
  expect(ids[alpha]?.shared).not.toBe(ids[beta]?.shared);
});

it('documents: B’s ids through A are not found, and A’s list holds only A’s', async () => {
  for (const documentId of Object.values(ids[beta] ?? {})) {
    const answer = await get<{ code: string }>(`/v1/missions/${alpha}/documents/${documentId}`);
    expect([answer.status, answer.body.code]).toEqual([404, 'document_not_found']);
  }
  const listed = await get<{ documents: Array<{ documentId: string; missionId: string }> }>(
    `/v1/missions/${alpha}/documents?limit=100`,
  );
  expect(listed.body.documents.map((document) => document.documentId).sort()).toEqual(
    Object.values(ids[alpha] ?? {}).sort(),
  );
});

it('search: A never returns B’s chunks, however the query is made, and caches per mission', async () => {
  for (const query of ['obsidian ledger', 'quartz lantern', 'Reykjavik MV-777']) {
    for (let attempt = 0; attempt < 2; attempt++) {
      // The second round is answered from the cache: it must still be A's own answer.
      const answer = await search(stack.baseUrl, alpha, query);
      for (const hit of answer.body.results) {
        expect(Object.values(ids[alpha] ?? {})).toContain(hit.documentId);
        expect(hit.chunkId.startsWith(ids[beta]?.own as string)).toBe(false);
      }
    }
  }
  expect((await search(stack.baseUrl, alpha, 'obsidian ledger')).body.results).toEqual([]);
  const inBeta = await search(stack.baseUrl, beta, 'quartz lantern');
  expect(inBeta.body.results[0]?.documentId).toBe(ids[beta]?.shared);
});

it('entities: A lists only what A’s documents mention; B’s entity ids are not found through A', async () => {
  const listed = async (mission: string) =>
    (await get<{ entities: Entity[] }>(`/v1/missions/${mission}/entities?limit=200`)).body.entities;
  const alphaEntities = await listed(alpha);
  const betaEntities = await listed(beta);
  expect(alphaEntities.map((entity) => entity.key).sort()).toEqual(
    ['ada lovelace', 'alan turing', 'grace hopper', 'lisbon', 'valparaiso'].sort(),
  );
  // Shared entities have a different id in each mission; B-only ones do not exist in A.
  const alphaIds = new Set(alphaEntities.map((entity) => entity.entityId));
  for (const entity of betaEntities) {
    expect(alphaIds.has(entity.entityId)).toBe(false);
    expect((await get(`/v1/missions/${alpha}/entities/${entity.entityId}`)).status).toBe(404);
    expect((await get(`/v1/missions/${alpha}/entities/${entity.entityId}/neighbors?depth=3`)).status).toBe(
      404,
    );
  }
  // Traversal from A's Ada stays in A: Reykjavik and MV-777 (B only) are never reached.
  const ada = alphaEntities.find((entity) => entity.key === 'ada lovelace') as Entity;
  const neighbors = await get<{ neighbors: Entity[] }>(
    `/v1/missions/${alpha}/entities/${ada.entityId}/neighbors?depth=3`,
  );
  expect(neighbors.body.neighbors.every((entity) => alphaIds.has(entity.entityId))).toBe(true);
  expect(neighbors.body.neighbors.map((entity) => entity.key)).not.toContain('reykjavik');
});

it('deletion: B’s document cannot be deleted through A, and stays indexed and searchable in B', async () => {
  const target = ids[beta]?.own as string;
  const refused = await request<{ code: string }>(
    stack.baseUrl,
    'DELETE',
    `/v1/missions/${alpha}/documents/${target}`,
  );
  expect([refused.status, refused.body.code]).toEqual([404, 'document_not_found']);
  expect((await get<{ status: string }>(`/v1/missions/${beta}/documents/${target}`)).body.status).toBe(
    'indexed',
  );
  expect((await search(stack.baseUrl, beta, 'obsidian ledger')).body.results[0]?.documentId).toBe(target);
});

it('a mission that does not exist is not found on every mission path, whatever ids follow', async () => {
  const nobody = 'nobody-here';
  const target = ids[beta]?.own as string;
  for (const [method, path] of [
    ['GET', `/v1/missions/${nobody}`],
    ['GET', `/v1/missions/${nobody}/documents`],
    ['GET', `/v1/missions/${nobody}/documents/${target}`],
    ['DELETE', `/v1/missions/${nobody}/documents/${target}`],
    ['POST', `/v1/missions/${nobody}/search`],
    ['GET', `/v1/missions/${nobody}/entities`],
    ['GET', `/v1/missions/${nobody}/entities/${'a'.repeat(32)}/neighbors`],
  ] as const) {
    const answer = await request<{ code: string }>(
      stack.baseUrl,
      method,
      path,
      method === 'POST' ? { query: 'x' } : undefined,
    );
    expect([method, path, answer.status, answer.body.code]).toEqual([method, path, 404, 'mission_not_found']);
  }
});
