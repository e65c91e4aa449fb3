/**
 * @jest-environment ./test/support/native-arrays-environment.js
 */
import { ingestNamedDocuments, request } from '../support/http';
import { testEmbeddingModel, testRerankerModel } from '../support/env';
import { withMissionStack } from '../support/missions';
import type { TestStack } from '../support/stack';

// Search through the API with the local semantic model (all-MiniLM-L6-v2, fetched by the test set-up):
// a question in other words than the document's finds it by meaning. Skipped, saying why, only when
// the set-up could not fetch the model.

const model = testEmbeddingModel();
const describeWithModel = 'folder' in model ? describe : describe.skip;
if ('unavailable' in model) process.stderr.write(`semantic search tests skipped: ${model.unavailable}\n`);

interface Answer {
  results: Array<{
    documentId: string;
    explain?: { findings: Array<{ strategy: string }>; rerank?: { score: number; rankBefore: number } };
  }>;
  embeddingModel: string;
  reranker: string | null;
}

const reranker = testRerankerModel();
const itWithReranker = 'folder' in reranker ? it : it.skip;
if ('unavailable' in reranker) process.stderr.write(`re-ranking tests skipped: ${reranker.unavailable}\n`);

const documents = {
  automobile: 'The automobile broke down on the highway, and a tow truck took it to the garage for repairs.',
  bananas: 'Bananas ripen faster when kept next to apples in a closed paper bag.',
  budget: 'The committee approved the annual budget after a long debate about the library roof.',
};
type Name = keyof typeof documents;

describeWithModel('search with the local semantic model', () => {
  let stack: TestStack;
  let mission: string;
  const ids = {} as Record<Name, string>;

  withMissionStack(
    ['semantic'],
    () => ({
      cartridges: { semantic: { entities: [] } },
      env: {
        EMBEDDER: 'auto',
        MISSIONFLOW_MODEL_DIR: 'folder' in model ? model.folder : '',
        RERANKER: 'folder' in reranker ? 'local' : 'off',
      },
    }),
    (started, [id]) => {
      stack = started;
      mission = id as string;
    },
  );

  beforeAll(async () => {
    Object.assign(ids, await ingestNamedDocuments(stack.baseUrl, mission, documents));
  });

  const ask = (body: Record<string, unknown>) =>
    request<Answer>(stack.baseUrl, 'POST', `/v1/missions/${mission}/search`, body);

  it('finds a document by meaning when no word is shared: "my car will not start" finds the automobile', async () => {
    const dense = await ask({ query: 'my car will not start', strategies: ['dense'] });
    expect(dense.body.embeddingModel).toBe('local:all-MiniLM-L6-v2-q8');
    expect(dense.body.results[0]?.documentId).toBe(ids.automobile);
    // BM25 alone has nothing to go on: no word of the question is in any document.
    expect((await ask({ query: 'my car will not start', strategies: ['lexical'] })).body.results).toEqual([]);
    const fused = await ask({ query: 'my car will not start', explain: true });
    expect(fused.body.results[0]?.documentId).toBe(ids.automobile);
    expect(fused.body.results[0]?.explain?.findings.map((finding) => finding.strategy)).toEqual(['dense']);
  });

  it('ranks by meaning among the documents: fruit storage finds the bananas, council spending the budget', async () => {
    expect((await ask({ query: 'how to store fruit' })).body.results[0]?.documentId).toBe(ids.bananas);
    expect((await ask({ query: 'council spending decision' })).body.results[0]?.documentId).toBe(ids.budget);
  });

  itWithReranker('re-orders the first results with the cross-encoder when asked, and says how', async () => {
    const question = 'why was the car taken to the garage';
    const plain = await ask({ query: question });
    // The mission's cartridge leaves re-ranking off (rerankCandidates 0).
    expect(plain.body.reranker).toBeNull();
    const reranked = await ask({ query: question, rerank: true, explain: true });
    expect(reranked.body.reranker).toBe('local:ms-marco-MiniLM-L-12-v2-q8');
    expect(reranked.body.results[0]?.documentId).toBe(ids.automobile);
    const scores = reranked.body.results.map((result) => result.explain?.rerank?.score as number);
    expect(scores.every(Number.isFinite)).toBe(true);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const before = reranked.body.results.map((result) => result.explain?.rerank?.rankBefore).sort();
    expect(before).toEqual(reranked.body.results.map((_, index) => index + 1));
    expect((await ask({ query: question, rerank: false })).body.reranker).toBeNull();
  });
});
