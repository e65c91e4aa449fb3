import { acceptedEntities } from '../../domain/accepted-entities';
import { extractEntities } from '../../domain/entities';
import { localExtractorVotes } from '../../domain/extractors';

const chunks = [
  { chunkIndex: 0, text: 'Altamira Robotics Inc. will buy Bellweather Sensors Ltd. from Ada Lovelace.' },
  { chunkIndex: 1, text: 'Ada Lovelace signed for Altamira Robotics Inc. in Lisbon.' },
];
const extraction = { weights: { patterns: 1, dictionary: 1, heuristic: 1, llm: 0 }, minSupport: 0.5 };

it('with no entity definitions, the heuristic extractor’s entities reach the graph, with co-occurrence', () => {
  const votes = localExtractorVotes({ extraction, entities: [] }, chunks);
  const graph = acceptedEntities(votes, [], 0.5, chunks);
  const names = graph.entities.map((entity) => entity.name);
  expect(names).toEqual(expect.arrayContaining(['Altamira Robotics Inc', 'Bellweather Sensors Ltd']));
  const altamira = graph.entities.find((entity) => entity.name === 'Altamira Robotics Inc');
  expect(altamira?.chunkIndexes).toEqual([0, 1]);
  expect(graph.relations.length).toBeGreaterThan(0);
});

it('keeps only candidates at or above the support threshold, under the consensus’s type and name', () => {
  const entities = [{ type: 'Person', terms: ['Ada Lovelace'], caseSensitive: false }];
  const votes = localExtractorVotes({ extraction, entities }, chunks);
  const all = acceptedEntities(votes, ['Person'], 0, chunks);
  const ada = all.entities.find((entity) => entity.key === 'ada lovelace');
  expect(ada).toMatchObject({ type: 'Person', chunkIndexes: [0, 1] });
  // Nothing has support above 1: a threshold past it keeps nothing, but what a reviewer added.
  expect(acceptedEntities(votes, ['Person'], 1.01, chunks).entities).toEqual([]);
  const kept = acceptedEntities(votes, ['Person'], 1.01, chunks, [{ type: 'Person', key: 'Ada Lovelace' }]);
  expect(kept.entities.map((entity) => entity.key)).toEqual(['ada lovelace']);
});

it('takes the same entities as the extractor alone when it is the only one voting', () => {
  const entities = [{ type: 'Place', terms: ['Lisbon'], caseSensitive: false }];
  const votes = localExtractorVotes(
    { extraction: { ...extraction, weights: { ...extraction.weights, heuristic: 0 } }, entities },
    chunks,
  );
  const graph = acceptedEntities(votes, ['Place'], 0.5, chunks);
  const alone = extractEntities(entities, chunks);
  expect(graph.entities).toEqual(alone.entities);
  expect(graph.relations).toEqual(alone.relations);
});
