import { reciprocalRankFusion } from '../../domain/search';

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
