import { LocalCrossEncoder } from '../../adapters/local-cross-encoder';
import { testRerankerModel } from '../support/env';

/**
 * The real cross-encoder (ms-marco-MiniLM-L-12-v2, int8 ONNX) that the global set-up fetched into
 * the machine's cache, run by ONNX Runtime in its own thread. Skipped, saying why, only when the
 * set-up could not fetch it.
 */

const model = testRerankerModel();
const describeWithModel = 'folder' in model ? describe : describe.skip;
if ('unavailable' in model) process.stderr.write(`cross-encoder tests skipped: ${model.unavailable}\n`);

describeWithModel('LocalCrossEncoder on ms-marco-MiniLM-L-12-v2', () => {
  const reranker = new LocalCrossEncoder('folder' in model ? model.folder : '');

  it('scores the passage that answers the question above one on its topic and one off it', async () => {
    expect(reranker.model).toBe('local:ms-marco-MiniLM-L-12-v2-q8');
    const [answers, sameTopic, unrelated] = await reranker.score('how do I undo a failed transaction', [
      'ROLLBACK aborts the current transaction: every update made by the transaction is discarded.',
      'A transaction groups several statements; it begins with BEGIN and ends with COMMIT.',
      'Bananas ripen faster when kept next to apples in a closed paper bag.',
    ]);
    expect(answers).toBeGreaterThan(sameTopic as number);
    expect(sameTopic).toBeGreaterThan(unrelated as number);
  });

  it('answers one score per passage, in order, whatever their length; none for no passages', async () => {
    const long = 'The vacuum process reclaims storage occupied by dead tuples. '.repeat(80);
    const scores = await reranker.score('what does vacuum reclaim', [long, 'dead tuples', long]);
    expect(scores).toHaveLength(3);
    expect(scores.every(Number.isFinite)).toBe(true);
    // The same passage scores the same wherever it stands in the batch.
    expect(scores[0]).toBeCloseTo(scores[2] as number, 2);
    await expect(reranker.score('anything', [])).resolves.toEqual([]);
  });
});
