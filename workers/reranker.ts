import { LocalCrossEncoder, type Reranker } from '../adapters/local-cross-encoder';
import { crossEncoderModel } from '../adapters/models/catalogue';
import { ensureModelFolder } from '../adapters/models/fetch';
import type { Config } from '../domain/config';
import { MissionflowError } from '../domain/errors';
import type { Logger } from '../observability/logger';

/**
 * The cross-encoder when RERANKER=local: fetched into the machine's cache on the first start, then
 * loaded, so the first search does not pay for either. Asked for and not to be had, it refuses the
 * start, as EMBEDDER=local does: an operator who asked for it should not find it silently missing.
 */
export async function loadReranker(config: Config, logger: Logger): Promise<Reranker | null> {
  if (config.RERANKER === 'off') return null;
  try {
    // MISSIONFLOW_MODEL_DIR names the embedding model's folder, never this one.
    const folder = await ensureModelFolder(crossEncoderModel, {
      env: { ...process.env, MISSIONFLOW_MODEL_DIR: undefined },
      say: (message) => logger.info(message),
    });
    const reranker = new LocalCrossEncoder(folder);
    await reranker.warmUp();
    logger.info({ model: reranker.model, folder }, 'reranker: local cross-encoder');
    return reranker;
  } catch (error) {
    throw new MissionflowError(
      'invalid_request',
      `RERANKER=local but the cross-encoder ${crossEncoderModel.id} cannot be had: ${(error as Error).message}`,
    );
  }
}
