import { distinctInOrder, firstRelevantRank, percentile, rankFigures } from '../../bench/retrieval/metrics';
import { selectPages } from '../../bench/retrieval/questions';

describe('page-level ranks', () => {
  it('keeps each page at its first place when several of its chunks are returned', () => {
    expect(distinctInOrder(['a', 'a', 'b', 'a', 'c', 'b'])).toEqual(['a', 'b', 'c']);
  });

  it('ranks the first correct page among distinct pages, not among chunks', () => {
    // Three chunks of page a come first: the correct page b is the second page, not the fourth result.
    expect(firstRelevantRank(['a', 'a', 'a', 'b'], new Set(['b']))).toBe(2);
  });

  it('takes whichever correct page comes first when a question has several', () => {
    expect(firstRelevantRank(['x', 'c', 'b'], new Set(['b', 'c']))).toBe(2);
  });

  it('finds nothing beyond the depth, counted in distinct pages', () => {
    const pages = ['p1', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'p10', 'answer'];
    expect(firstRelevantRank(pages, new Set(['answer']))).toBeNull();
    expect(firstRelevantRank(pages, new Set(['answer']), 11)).toBe(11);
    expect(firstRelevantRank([], new Set(['answer']))).toBeNull();
  });
});

describe('figures over a question set', () => {
  it('gives hit@1, hit@5 and MRR@10 from the ranks', () => {
    const figures = rankFigures([1, 2, 6, null]);
    expect(figures.questions).toBe(4);
    expect(figures.hitAt1).toBeCloseTo(1 / 4, 12);
    expect(figures.hitAt5).toBeCloseTo(2 / 4, 12);
    expect(figures.mrrAt10).toBeCloseTo((1 + 1 / 2 + 1 / 6 + 0) / 4, 12);
  });

  it('counts a rank past ten as a miss in MRR@10', () => {
    expect(rankFigures([11]).mrrAt10).toBe(0);
  });

  it('gives zeros for an empty set rather than dividing by zero', () => {
    expect(rankFigures([])).toEqual({ questions: 0, hitAt1: 0, hitAt5: 0, mrrAt10: 0 });
  });
});

describe('percentiles', () => {
  it('takes the nearest rank', () => {
    const sample = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(sample, 50)).toBe(5);
    expect(percentile(sample, 95)).toBe(10);
    expect(percentile(sample, 0)).toBe(1);
    expect(percentile([42], 95)).toBe(42);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('a reduced corpus', () => {
  const all = Array.from({ length: 20 }, (_, i) => `page-${String(i).padStart(2, '0')}.html`);

  it('keeps every page a question names and fills the rest evenly from the others', () => {
    const referenced = new Set(['page-19.html', 'page-03.html']);
    const chosen = selectPages(all, referenced, 6);
    expect(chosen).toHaveLength(6);
    expect(chosen).toEqual(expect.arrayContaining(['page-03.html', 'page-19.html']));
    // The four others are spread over the 18 remaining pages, not the first four of them.
    expect(chosen.filter((page) => !referenced.has(page))).toEqual([
      'page-00.html',
      'page-05.html',
      'page-10.html',
      'page-14.html',
    ]);
    expect(selectPages(all, referenced, 6)).toEqual(chosen);
  });

  it('keeps every referenced page even when the limit is smaller', () => {
    expect(selectPages(all, new Set(['page-01.html', 'page-02.html']), 1)).toEqual([
      'page-01.html',
      'page-02.html',
    ]);
  });

  it('takes the whole corpus without a limit', () => {
    expect(selectPages(all, new Set(), undefined)).toEqual(all);
  });
});
