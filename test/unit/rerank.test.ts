import type { Reranker } from '../../adapters/local-cross-encoder';
import { rerankResults } from '../../services/rerank';

// The re-ordering around the cross-encoder, with a scripted scorer standing in for the model (the
// real one is tested in test/integration/local-cross-encoder.test.ts and through the API).

interface Hit {
  id: string;
  title: string | null;
  heading: string | null;
  text: string;
  explain?: { rerank?: { score: number; rankBefore: number } };
}
const hit = (id: string, text: string): Hit => ({ id, title: null, heading: null, text });

/** Scores a passage by how many times it says the question's first word: a clearly named fake. */
class WordCountingReranker implements Reranker {
  readonly model = 'fake:word-counter';
  readonly asked: Array<{ query: string; passages: readonly string[] }> = [];

  async score(query: string, passages: readonly string[]): Promise<number[]> {
    this.asked.push({ query, passages });
    const word = query.split(' ')[0] as string;
    return passages.map((passage) => passage.split(word).length - 1);
  }
}

const results: Hit[] = [
  hit('a', 'tide'),
  hit('b', 'tide tide tide'),
  hit('c', 'tide tide'),
  hit('d', 'tide tide tide tide'),
];

it('re-orders the first candidates by score and leaves the rest as the fusion put them', async () => {
  const reranker = new WordCountingReranker();
  const { results: reordered, reranked } = await rerankResults(reranker, 'tide tables', results, 3, {
    explain: false,
  });
  expect(reranked).toBe(true);
  // d scores highest but was not among the first three: it stays fourth.
  expect(reordered.map((result) => result.id)).toEqual(['b', 'c', 'a', 'd']);
  expect(reranker.asked).toEqual([
    { query: 'tide tables', passages: ['tide', 'tide tide tide', 'tide tide'] },
  ]);
  expect(reordered[0]).not.toHaveProperty('explain');
});

it('with explain, each re-read result says its score and where the fusion had it', async () => {
  const { results: reordered } = await rerankResults(new WordCountingReranker(), 'tide', results, 2, {
    explain: true,
  });
  expect(reordered.map((result) => [result.id, result.explain?.rerank])).toEqual([
    ['b', { score: 3, rankBefore: 2 }],
    ['a', { score: 1, rankBefore: 1 }],
    ['c', undefined],
    ['d', undefined],
  ]);
});

it('reads the title and heading with the text, which say what a passage is about', async () => {
  const reranker = new WordCountingReranker();
  await rerankResults(
    reranker,
    'q',
    [
      { title: 'Locks', heading: 'Row locks', text: 'FOR UPDATE' },
      { title: null, heading: null, text: 'plain' },
    ],
    5,
    { explain: false },
  );
  expect(reranker.asked[0]?.passages).toEqual(['Locks\nRow locks\nFOR UPDATE', 'plain']);
});

it('keeps the fusion order when the model fails: re-ranking never fails a search', async () => {
  const failing: Reranker = {
    model: 'fake:failing',
    score: () => Promise.reject(new Error('thread stopped')),
  };
  const warnings: string[] = [];
  const logger = { warn: (_: unknown, message: string) => warnings.push(message) };
  const answer = await rerankResults(failing, 'tide', results, 3, {
    explain: true,
    logger: logger as never,
  });
  expect(answer).toEqual({ results, reranked: false });
  expect(warnings).toEqual(['re-ranking failed; the fusion order is kept']);
});
