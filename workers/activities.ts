import { createDeletionActivities } from '../activities/deletion';
import { createIngestActivities } from '../activities/ingest';
import { createVerificationActivities } from '../activities/verification';
import type { EmbedderChoice } from '../adapters/embedder-choice';
import { LlmEntityExtractor } from '../adapters/llm-extractor';
import { findOcrEngine } from '../adapters/ocr/ocr';
import type { Config } from '../domain/config';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { DocumentRecord } from '../stores/relational/documents';
import type { WorkflowClient } from '@temporalio/client';
import type { Stores } from './stores';

function ocrEnvironment(config: Config): NodeJS.ProcessEnv {
  return config.TESSERACT_PATH ? { ...process.env, TESSERACT_PATH: config.TESSERACT_PATH } : process.env;
}

/** The ocr lane says at start whether it can read scans, rather than when the first one fails. */
export async function reportOcrEngine(config: Config, logger: Logger): Promise<void> {
  const engine = await findOcrEngine(ocrEnvironment(config));
  if (engine) {
    logger.info(
      { tesseract: engine.tesseract, version: engine.version, pdf: engine.pdftoppm !== null },
      'ocr lane: engine found',
    );
  } else {
    logger.warn(
      'ocr lane: no OCR engine on this worker; scans and images routed to it fail with ocr_unavailable ' +
        '(apt-get install tesseract-ocr tesseract-ocr-eng poppler-utils, or set TESSERACT_PATH)',
    );
  }
}

/** Every activity, wired to the process's stores and clients: what its workers run. */
export function composeActivities(options: {
  config: Config;
  stores: Stores;
  embedders: EmbedderChoice;
  workflows: WorkflowClient;
  logger: Logger;
  metrics: Metrics;
  /** Starts (or joins) a document's ingest run: a queued update's, when a run hands it over. */
  startIngest: (document: DocumentRecord) => Promise<void>;
}) {
  const { config, stores, embedders, logger, metrics } = options;
  const { documents, versions, steps, chunks, lexical, chunkEntities } = stores;
  const { sections, cartridges, blobs, vectors, cache, graph } = stores;
  return {
    ...createIngestActivities({
      documents,
      versions,
      steps,
      chunks,
      lexical,
      chunkEntities,
      sections,
      cartridges,
      blobs,
      vectors,
      cache,
      graph,
      embedders,
      logger,
      metrics,
      taskQueuePrefix: config.TASK_QUEUE_PREFIX,
      embedBatchSize: config.EMBEDDINGS_BATCH_SIZE,
      parserMemoryMb: config.PARSER_MEMORY_MB,
      ocrEnvironment: ocrEnvironment(config),
      startIngest: options.startIngest,
      llmExtractor:
        config.LLM_URL && config.LLM_MODEL
          ? new LlmEntityExtractor({
              baseUrl: config.LLM_URL,
              model: config.LLM_MODEL,
              apiKey: config.LLM_API_KEY,
            })
          : null,
    }),
    ...createDeletionActivities({
      documents,
      versions,
      blobs,
      vectors,
      graph,
      cache,
      workflows: options.workflows,
      logger,
    }),
    ...createVerificationActivities({
      documents,
      cartridges,
      verification: stores.verification,
      cache,
      logger,
    }),
  };
}
