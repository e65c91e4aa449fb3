import {
  consensusFormula,
  maxListedCandidates,
  scoreConsensus,
  type ExtractorVote,
} from '../../domain/consensus';
import type { ExtractedEntities } from '../../domain/entities';

/** A vote result holding just the listed entities (type:name), as an extractor would give them. */
function found(...entities: string[]): ExtractedEntities {
  return {
    mentions: [],
    entities: entities.map((entry) => {
      const [type = '', name = ''] = entry.split(':');
      return { type, key: name.toLowerCase(), name, chunkIndexes: [0] };
    }),
    relations: [],
    truncated: { chunks: [], entities: 0, relations: 0 },
  };
}

const vote = (
  name: string,
  weight: number,
  result: ExtractedEntities,
  types: string[] = [],
): ExtractorVote => ({
  name,
  weight,
  general: types.length === 0,
  types,
  result,
});

it('scores full agreement 1 and lists who found what', () => {
  const result = scoreConsensus(
    [
      vote('dictionary', 1, found('Person:Ada Lovelace'), ['Person']),
      vote('heuristic', 1, found('Name:Ada Lovelace')),
    ],
    ['Person'],
  );
  expect(result).toEqual({
    formula: consensusFormula,
    score: 1,
    extractors: [
      { name: 'dictionary', weight: 1, entities: 1 },
      { name: 'heuristic', weight: 1, entities: 1 },
    ],
    entities: [
      {
        type: 'Person',
        key: 'ada lovelace',
        name: 'Ada Lovelace',
        extractors: ['dictionary', 'heuristic'],
        support: 1,
      },
    ],
    omitted: 0,
  });
});

it('weighs support by the extractors eligible for each entity (the documented formula)', () => {
  // Person has terms only, Vessel patterns only; the heuristic extractor is general.
  const votes = [
    vote('patterns', 2, found('Vessel:MV-101'), ['Vessel']),
    vote('dictionary', 1, found('Person:Alan Turing', 'Place:Valparaiso'), ['Person', 'Place']),
    vote('heuristic', 1, found('Name:Alan Turing', 'Name:Charles Babbage')),
  ];
  const result = scoreConsensus(votes, ['Person', 'Place', 'Vessel']);
  const support = Object.fromEntries(result.entities.map((entity) => [entity.key, entity.support]));
  // alan turing (Person): eligible dictionary + heuristic = 2, found by both -> 1.
  // valparaiso (Place): eligible dictionary + heuristic = 2, found by dictionary -> 0.5.
  // mv-101 (Vessel): eligible patterns (2) + heuristic (1) = 3, found by patterns -> 2/3.
  // charles babbage (Name, not a cartridge type): every extractor eligible = 4, heuristic -> 1/4.
  expect(support).toEqual({ 'alan turing': 1, valparaiso: 0.5, 'mv-101': 0.6667, 'charles babbage': 0.25 });
  expect(result.score).toBe(Math.round(((1 + 0.5 + 2 / 3 + 0.25) / 4) * 10_000) / 10_000);
  // The doubtful first.
  expect(result.entities.map((entity) => entity.key)).toEqual([
    'charles babbage',
    'valparaiso',
    'mv-101',
    'alan turing',
  ]);
});

it('an extractor with weight 0 neither runs nor counts; no entities at all is full agreement', () => {
  const result = scoreConsensus(
    [vote('dictionary', 1, found(), ['Person']), vote('heuristic', 0, found('Name:Grace Hopper'))],
    ['Person'],
  );
  expect(result.score).toBe(1);
  expect(result.entities).toEqual([]);
  expect(result.extractors.map((extractor) => extractor.name)).toEqual(['dictionary']);
});

it('lists at most the cap of candidates, the score counting them all', () => {
  const many = Array.from({ length: maxListedCandidates + 30 }, (_, i) => `Name:Person Number${i}`);
  const result = scoreConsensus(
    [vote('heuristic', 1, found(...many)), vote('dictionary', 1, found(), ['Person'])],
    ['Person'],
  );
  expect(result.entities).toHaveLength(maxListedCandidates);
  expect(result.omitted).toBe(30);
  expect(result.score).toBe(0.5);
});
