import { ingestNamedDocuments, request } from '../support/http';
import { withMissionStack } from '../support/missions';
import type { TestStack } from '../support/stack';

// Search through the API on a mission configured like the default one (no entity definitions):
// BM25, the strategies alone and fused, grouping, filters, explain, question parts, the semantic
// cache, and graph retrieval over the entities the extractors agreed on.

interface Passage {
  chunkId: string;
  text: string;
  heading: string | null;
  score: number;
}
interface Finding {
  chunkId: string;
  strategy: string;
  part: number;
  rank: number;
  score: number;
}
interface Hit extends Passage {
  documentId: string;
  title: string | null;
  passages?: Passage[];
  explain?: { findings: Finding[] };
}
interface Answer {
  results: Hit[];
  cached: boolean;
  cacheMatch: 'exact' | 'semantic' | null;
  parts: string[];
  strategies: string[];
  entities: string[];
  embeddingModel: string;
}

const lighthouseSection = (topic: string) =>
  `## ${topic}\n\n` +
  `The lighthouse keeper on the northern cape recorded ${topic} in the logbook every evening. `.repeat(12);

const documents = {
  merger:
    'Altamira Robotics Inc. agreed to acquire Bellweather Sensors Ltd. for $40 million on 3 March 2026. ' +
    'The board of Altamira Robotics Inc. said the deal closes after the regulators approve it.',
  rollback:
    'ROLLBACK aborts the current transaction. All the updates made by the transaction are discarded, ' +
    'and the database returns to the state it had before the transaction began.',
  copy:
    'COPY moves data between tables and files. COPY TO writes the contents of a table to a file; ' +
    'COPY FROM reads a file into a table, appending the data to what the table holds already.',
  lighthouse: ['weather', 'ships passing', 'lamp repairs'].map(lighthouseSection).join('\n\n'),
};
type Name = keyof typeof documents;

let stack: TestStack;
let mission: string;
const ids = {} as Record<Name, string>;

withMissionStack(['retrieval'], { cartridges: { retrieval: { entities: [] } } }, (started, [id]) => {
  stack = started;
  mission = id as string;
});

beforeAll(async () => {
  const metadata: Record<Name, Record<string, unknown>> = {
    merger: { region: 'emea', year: 2026 },
    rollback: { region: 'amer', year: 2025 },
    copy: { region: 'amer', year: 2026 },
    lighthouse: { region: 'emea', year: 2024 },
  };
  const named = await ingestNamedDocuments(stack.baseUrl, mission, documents, (name) => ({
    mediaType: 'text/markdown',
    metadata: metadata[name],
  }));
  Object.assign(ids, named);
});

const ask = (body: Record<string, unknown>) =>
  request<Answer>(stack.baseUrl, 'POST', `/v1/missions/${mission}/search`, body);

it('BM25 finds a question in natural language by any of its words, the rarest counting most', async () => {
  const answer = await ask({
    query: 'how do I discard the updates of a transaction',
    strategies: ['lexical'],
  });
  expect(answer.status).toBe(200);
  expect(answer.body.strategies).toEqual(['lexical']);
  expect(answer.body.results[0]?.documentId).toBe(ids.rollback);
  // One word in common is enough to be a candidate (a ranked OR, not an AND of every word).
  const oneWord = await ask({ query: 'regulators and astronauts', strategies: ['lexical'] });
  expect(oneWord.body.results.map((hit) => hit.documentId)).toEqual([ids.merger]);
});

it('groups results by document with their best passages, or answers chunks when asked', async () => {
  const grouped = await ask({ query: 'lighthouse keeper logbook' });
  const documentIds = grouped.body.results.map((hit) => hit.documentId);
  expect(new Set(documentIds).size).toBe(documentIds.length);
  const lighthouse = grouped.body.results.find((hit) => hit.documentId === ids.lighthouse);
  expect(lighthouse?.passages?.length).toBeGreaterThan(1);
  expect(lighthouse?.passages?.[0]?.chunkId).toBe(lighthouse?.chunkId);

  const chunks = await ask({ query: 'lighthouse keeper logbook', groupBy: 'chunk' });
  const fromLighthouse = chunks.body.results.filter((hit) => hit.documentId === ids.lighthouse);
  expect(fromLighthouse.length).toBeGreaterThan(1);
  expect(chunks.body.results[0]?.passages).toBeUndefined();
});

it('explain says which strategies found each result, at which rank and with which score', async () => {
  const answer = await ask({ query: 'abort the current transaction', explain: true });
  const top = answer.body.results[0];
  expect(top?.documentId).toBe(ids.rollback);
  const lexical = top?.explain?.findings.find((finding) => finding.strategy === 'lexical');
  expect(lexical).toMatchObject({ rank: 1, part: 0, chunkId: top?.chunkId });
  expect(lexical?.score).toBeGreaterThan(0);
  expect(top?.explain?.findings.some((finding) => finding.strategy === 'dense')).toBe(true);
  // Without explain, no explanation.
  expect((await ask({ query: 'abort the current transaction' })).body.results[0]?.explain).toBeUndefined();
});

it('filters on metadata, class, documents and dates; an unknown filter is refused by name', async () => {
  const emea = await ask({ query: 'transaction table file deal', filters: { metadata: { region: 'emea' } } });
  expect(emea.body.results.map((hit) => hit.documentId)).toEqual([ids.merger]);
  const year = await ask({ query: 'transaction table file deal', filters: { metadata: { year: 2026 } } });
  expect(new Set(year.body.results.map((hit) => hit.documentId))).toEqual(new Set([ids.merger, ids.copy]));
  const only = await ask({ query: 'transaction table file', filters: { documentIds: [ids.copy] } });
  expect(only.body.results.map((hit) => hit.documentId)).toEqual([ids.copy]);
  const noClass = await ask({ query: 'transaction', filters: { class: 'no-such-class' } });
  expect(noClass.body.results).toEqual([]);
  const future = await ask({ query: 'transaction', filters: { createdAfter: '2999-01-01T00:00:00Z' } });
  expect(future.body.results).toEqual([]);

  const refused = await request<{ code: string; errors: Array<{ path: string }> }>(
    stack.baseUrl,
    'POST',
    `/v1/missions/${mission}/search`,
    { query: 'transaction', filters: { colour: 'blue' } },
  );
  expect(refused.status).toBe(400);
  expect(refused.body.code).toBe('invalid_request');
  expect(JSON.stringify(refused.body.errors)).toContain('colour');
  const badStrategy = await ask({ query: 'transaction', strategies: ['psychic'] });
  expect(badStrategy.status).toBe(400);
});

it('a multi-part question is retrieved part by part, and both answers come back', async () => {
  const answer = await ask({
    query: 'How do I discard the updates of a transaction, and how do I write a table to a file?',
    limit: 3,
  });
  expect(answer.body.parts).toHaveLength(2);
  const found = answer.body.results.map((hit) => hit.documentId);
  expect(found).toEqual(expect.arrayContaining([ids.rollback, ids.copy]));
});

it('the graph holds the entities the extractors agreed on, and graph retrieval starts from them', async () => {
  const entities = await request<{ entities: Array<{ name: string; type: string }> }>(
    stack.baseUrl,
    'GET',
    `/v1/missions/${mission}/entities?q=Altamira`,
  );
  expect(entities.body.entities.map((entity) => entity.name)).toContain('Altamira Robotics Inc');

  const answer = await ask({ query: 'Who is buying Bellweather Sensors Ltd.?', strategies: ['graph'] });
  expect(answer.body.entities).toEqual(['Bellweather Sensors Ltd']);
  expect(answer.body.results.map((hit) => hit.documentId)).toEqual([ids.merger]);
  // A question naming no entity of the mission finds nothing by the graph.
  expect((await ask({ query: 'lamp repairs', strategies: ['graph'] })).body.results).toEqual([]);
});

it('caches answers by the exact question and by a question close enough in meaning', async () => {
  const first = await ask({ query: 'ships passing the northern cape' });
  const exact = await ask({ query: 'ships passing the northern cape' });
  const close = await ask({ query: 'Ships passing the northern cape?' });
  expect([first.body.cacheMatch, exact.body.cacheMatch, close.body.cacheMatch]).toEqual([
    null,
    'exact',
    'semantic',
  ]);
  expect(close.body.results).toEqual(first.body.results);
  // Other settings are another answer.
  expect((await ask({ query: 'ships passing the northern cape', groupBy: 'chunk' })).body.cached).toBe(false);
});
