import { request, waitForDocument } from '../support/http';
import { withMissionStack } from '../support/missions';
import type { TestStack } from '../support/stack';

interface Entity {
  entityId: string;
  type: string;
  key: string;
  name: string;
  mentions: number;
  depth?: number;
}

// A chain through co-occurrence: Ada - Lisbon - MV-101 - Reykjavik - Grace (one pair per paragraph).
const chain = [
  'Ada Lovelace wintered in Lisbon.',
  'Lisbon harbour saw MV-101 leave at dawn.',
  'MV-101 reached Reykjavik in a storm.',
  'Reykjavik welcomed Grace Hopper in spring.',
];

let stack: TestStack;
let mission: string;

withMissionStack(['graph'], {}, (started, [id]) => {
  stack = started;
  mission = id as string;
});

beforeAll(async () => {
  // Small chunks, one paragraph each, so each pair co-occurs in one chunk only.
  for (const paragraph of chain) {
    const accepted = await request<{ documentId: string }>(
      stack.baseUrl,
      'POST',
      `/v1/missions/${mission}/documents`,
      {
        text: paragraph,
      },
    );
    expect((await waitForDocument(stack.baseUrl, mission, accepted.body.documentId)).status).toBe('indexed');
  }
});

const get = <T>(path: string) => request<T>(stack.baseUrl, 'GET', `/v1/missions/${mission}${path}`);

async function entityNamed(key: string): Promise<Entity> {
  const found = await get<{ entities: Entity[] }>(`/entities?q=${encodeURIComponent(key)}`);
  const entity = found.body.entities.find((candidate) => candidate.key === key);
  if (!entity) throw new Error(`no entity ${key}`);
  return entity;
}

it('finds the cartridge’s entities by part of their key and by type', async () => {
  const all = await get<{ entities: Entity[] }>('/entities');
  expect(all.status).toBe(200);
  expect(all.body.entities.map((entity) => `${entity.type}:${entity.key}`).sort()).toEqual([
    'Person:ada lovelace',
    'Person:grace hopper',
    'Place:lisbon',
    'Place:reykjavik',
    'Vessel:mv-101',
  ]);
  const places = await get<{ entities: Entity[] }>('/entities?type=Place');
  expect(places.body.entities.map((entity) => entity.key).sort()).toEqual(['lisbon', 'reykjavik']);
  const lisbon = await entityNamed('lisbon');
  expect(lisbon).toMatchObject({ name: 'Lisbon', mentions: 2 });
  expect((await get<Entity>(`/entities/${lisbon.entityId}`)).body).toEqual(lisbon);
});

it('traverses co-occurrence to the asked depth, nearest first, capped at 3', async () => {
  const ada = await entityNamed('ada lovelace');
  const at = async (depth: number) =>
    (await get<{ depth: number; neighbors: Entity[] }>(`/entities/${ada.entityId}/neighbors?depth=${depth}`))
      .body;
  expect((await at(1)).neighbors.map((entity) => [entity.key, entity.depth])).toEqual([['lisbon', 1]]);
  expect((await at(2)).neighbors.map((entity) => [entity.key, entity.depth])).toEqual([
    ['lisbon', 1],
    ['mv-101', 2],
  ]);
  const capped = await at(10);
  expect(capped.depth).toBe(3);
  expect(capped.neighbors.map((entity) => [entity.key, entity.depth])).toEqual([
    ['lisbon', 1],
    ['mv-101', 2],
    ['reykjavik', 3],
  ]);
});

it('answers typed errors for unknown entities and bad parameters', async () => {
  const unknown = await get<{ code: string }>(`/entities/${'f'.repeat(32)}`);
  expect([unknown.status, unknown.body.code]).toEqual([404, 'entity_not_found']);
  expect((await get<{ code: string }>('/entities/../../documents')).status).toBe(404);
  const ada = await entityNamed('ada lovelace');
  for (const query of ['depth=0', 'depth=two', 'limit=-1', 'sneaky=1']) {
    const refused = await get<{ code: string }>(`/entities/${ada.entityId}/neighbors?${query}`);
    expect([query, refused.status, refused.body.code]).toEqual([query, 400, 'invalid_request']);
  }
  expect((await get<{ code: string }>('/entities?type=not;a-type')).status).toBe(400);
});
