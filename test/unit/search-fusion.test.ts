import { splitQuestion } from '../../domain/query-parts';
import { documentRankings, groupByDocument, reciprocalRankFusion, scoreFusion } from '../../domain/search';
import { cosine } from '../../services/semantic-cache';
import { candidateKeys } from '../../stores/relational/chunk-entities';

const list = (...ids: string[]) => ids.map((chunkId) => ({ chunkId }));

it('scores each chunk by the sum of 1 / (k + rank) over the lists it appears in', () => {
  const fused = reciprocalRankFusion([list('a', 'b', 'c'), list('c', 'd')], 60);
  const byId = new Map(fused.map((item) => [item.chunkId, item]));
  expect(byId.get('a')?.score).toBeCloseTo(1 / 61, 12);
  expect(byId.get('b')?.score).toBeCloseTo(1 / 62, 12);
  expect(byId.get('c')?.score).toBeCloseTo(1 / 63 + 1 / 61, 12);
  expect(byId.get('d')?.score).toBeCloseTo(1 / 62, 12);
  expect(fused).toHaveLength(4);
});

it('records the 1-based rank in each list, null where absent', () => {
  const fused = reciprocalRankFusion([list('a', 'b', 'c'), list('c', 'd')], 60);
  expect(Object.fromEntries(fused.map((item) => [item.chunkId, item.ranks]))).toEqual({
    a: [1, null],
    b: [2, null],
    c: [3, 1],
    d: [null, 2],
  });
});

it('an item found by both paths beats an item found by one, even ranked first there', () => {
  const fused = reciprocalRankFusion([list('lexical-only', 'both'), list('vector-only', 'both')], 60);
  expect(fused[0]?.chunkId).toBe('both');
});

it('sorts by score descending and breaks ties by chunk id', () => {
  const fused = reciprocalRankFusion([list('zeta', 'beta'), list('alpha', 'gamma')], 60);
  expect(fused.map((item) => item.chunkId)).toEqual(['alpha', 'zeta', 'beta', 'gamma']);
  expect(fused[0]?.score).toBe(fused[1]?.score);
});

it('a smaller k weights top ranks more', () => {
  const [top] = reciprocalRankFusion([list('a', 'b')], 1);
  expect(top).toEqual({ chunkId: 'a', score: 1 / 2, ranks: [1] });
});

it('handles empty input', () => {
  expect(reciprocalRankFusion([], 60)).toEqual([]);
  expect(reciprocalRankFusion([[], []], 60)).toEqual([]);
});

it('keeps one entry per chunk when a list names it in several places', () => {
  const fused = reciprocalRankFusion([list('a', 'b', 'a')], 10);
  expect(fused.map((item) => item.chunkId)).toEqual(['a', 'b']);
});

it('weights each list: a heavier strategy’s first rank beats a lighter one’s', () => {
  const fused = reciprocalRankFusion([list('light'), list('heavy')], 60, [0.5, 2]);
  expect(fused.map((item) => item.chunkId)).toEqual(['heavy', 'light']);
  expect(fused[0]?.score).toBeCloseTo(2 / 61, 12);
  expect(fused[1]?.score).toBeCloseTo(0.5 / 61, 12);
});

describe('document fusion', () => {
  const chunk = (chunkId: string, documentId: string, score: number) => ({ chunkId, documentId, score });
  const documentOf = (chunkId: string) => chunkId.slice(0, 1);

  it('ranks each document by its best chunk in each list', () => {
    expect(documentRankings([list('a2', 'b1', 'a1'), list('c1', 'x9')], documentOf)).toEqual([
      list('a', 'b'),
      list('c', 'x'),
    ]);
    expect(documentRankings([list('a1', 'z1')], (id) => (id === 'z1' ? undefined : 'a'))).toEqual([
      list('a'),
    ]);
  });

  it('lets two strategies that found different passages of a document agree on it', () => {
    // Lexical found a1 first, dense found a2 first: chunk by chunk neither beats b1, found second by both.
    const lists = [list('a1', 'b1'), list('a2', 'b1')];
    expect(reciprocalRankFusion(lists, 60)[0]?.chunkId).toBe('b1');
    expect(reciprocalRankFusion(documentRankings(lists, documentOf), 60)[0]?.chunkId).toBe('a');
  });

  it('groups passages under the documents in the given order', () => {
    const groups = groupByDocument(
      [
        { documentId: 'b', score: 2 },
        { documentId: 'a', score: 1 },
        { documentId: 'q', score: 0.5 },
      ],
      [chunk('a1', 'a', 0.9), chunk('b1', 'b', 0.8), chunk('a2', 'a', 0.7), chunk('a3', 'a', 0.6)],
      2,
    );
    expect(
      groups.map((group) => [group.documentId, group.score, group.passages.map((p) => p.chunkId)]),
    ).toEqual([
      ['b', 2, ['b1']],
      ['a', 1, ['a1', 'a2']],
    ]);
  });
});

describe('splitQuestion', () => {
  it('splits at question marks, semicolons and a conjunction that starts a new question', () => {
    expect(splitQuestion('How do I create an index, and how do I drop a table?')).toEqual([
      'How do I create an index',
      'how do I drop a table?',
    ]);
    expect(splitQuestion('What is MVCC? Where is the WAL kept?')).toEqual([
      'What is MVCC?',
      'Where is the WAL kept?',
    ]);
    expect(splitQuestion('vacuum settings; autovacuum thresholds')).toEqual([
      'vacuum settings;',
      'autovacuum thresholds',
    ]);
  });

  it('leaves a single question whole, and keeps fragments too short to ask anything with a neighbour', () => {
    expect(splitQuestion('bread and butter pudding recipes')).toEqual(['bread and butter pudding recipes']);
    expect(splitQuestion('Why? Because the index is stale')).toEqual(['Why? Because the index is stale']);
    expect(splitQuestion('  single  ')).toEqual(['single']);
  });

  it('asks at most four parts', () => {
    const parts = splitQuestion('What is a? What is b? What is c? What is d? What is e?');
    expect(parts).toHaveLength(4);
    expect(parts[3]).toBe('What is d? What is e?');
  });
});

describe('candidateKeys', () => {
  it('lists word sequences as entity keys, with and without the punctuation around words', () => {
    const keys = candidateKeys('Who owns Bellweather Sensors Ltd.?');
    expect(keys).toEqual(
      expect.arrayContaining([
        'bellweather sensors ltd.',
        'bellweather sensors ltd',
        'Bellweather Sensors Ltd',
      ]),
    );
    expect(keys).toContain('who owns bellweather sensors ltd');
    expect(keys).not.toContain('');
  });
});

describe('cosine', () => {
  it('is 1 for the same direction, 0 for orthogonal or mismatched vectors', () => {
    expect(cosine([1, 2], [2, 4])).toBeCloseTo(1, 12);
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([1, 0], [1, 0, 0])).toBe(0);
    expect(cosine([0, 0], [0, 0])).toBe(0);
  });
});

describe('scoreFusion', () => {
  const scored = (...entries: Array<[string, number]>) =>
    entries.map(([chunkId, score]) => ({ chunkId, score }));

  it('divides each list by its best score and sums by share', () => {
    const fused = scoreFusion(
      [
        { candidates: scored(['a', 10], ['b', 5]), weight: 1 },
        { candidates: scored(['b', 0.8], ['c', 0.4]), weight: 1 },
      ],
      0,
    );
    const byId = Object.fromEntries(fused.map((item) => [item.chunkId, item.score]));
    expect(byId.a).toBeCloseTo(0.5, 12);
    expect(byId.b).toBeCloseTo(0.25 + 0.5, 12);
    expect(byId.c).toBeCloseTo(0.25, 12);
    expect(fused.map((item) => item.chunkId)).toEqual(['b', 'a', 'c']);
    expect(fused[0]?.ranks).toEqual([2, 1]);
  });

  it('leans on the list whose first result stands out', () => {
    // The first list is sure of x (margin 0.9), the second prefers y less clearly (margin 0.375).
    const lists = [
      { candidates: scored(['x', 10], ['y', 1]), weight: 0.2 },
      { candidates: scored(['y', 0.8], ['x', 0.5]), weight: 0.8 },
    ];
    expect(scoreFusion(lists, 0)[0]?.chunkId).toBe('y');
    expect(scoreFusion(lists, 1)[0]?.chunkId).toBe('x');
  });

  it('leaves out empty lists and lists with no share, and handles no input', () => {
    expect(scoreFusion([], 1)).toEqual([]);
    const fused = scoreFusion(
      [
        { candidates: scored(['a', 2]), weight: 1 },
        { candidates: [], weight: 1 },
        { candidates: scored(['z', 9]), weight: 0 },
      ],
      1,
    );
    expect(fused.map((item) => [item.chunkId, item.score])).toEqual([['a', 1]]);
  });
});

describe('splitQuestion keeps a topic with its clause', () => {
  it('cuts at a conjunction only between two questions', () => {
    expect(splitQuestion('table-level lock modes and which of them conflict with each other')).toHaveLength(
      1,
    );
    expect(splitQuestion('see who is connected right now, and what each session is doing')).toHaveLength(1);
    expect(splitQuestion('What is a tablespace, and where is it kept?')).toEqual([
      'What is a tablespace',
      'where is it kept?',
    ]);
  });
});
