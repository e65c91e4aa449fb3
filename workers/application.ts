import type { Client } from '@temporalio/client';
import type { EmbedderChoice } from '../adapters/embedder-choice';
import type { Reranker } from '../adapters/local-cross-encoder';
import type { Config } from '../domain/config';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { Admission } from '../services/admission';
import { DocumentDeletion } from '../services/deletion';
import { DocumentView } from '../services/document-view';
import { Missions } from '../services/missions';
import { ResumeSweep } from '../services/resume';
import { Retrieval } from '../services/retrieval';
import { SearchService } from '../services/search';
import { ChatQuestionSplitter } from '../adapters/llm-question-splitter';
import { VerificationDesk } from '../services/verification';
import type { Stores } from './stores';

/** The use cases (services/), wired to the process's stores and Temporal client. */
export interface Application {
  missions: Missions;
  /** How documents are accepted and their runs started. */
  admission: Admission;
  deletion: DocumentDeletion;
  view: DocumentView;
  /** Starts runs that accepted documents and queued updates never got. */
  resume: ResumeSweep;
  search: SearchService;
  desk: VerificationDesk;
}

export function composeApplication(options: {
  config: Config;
  stores: Stores;
  embedders: EmbedderChoice;
  reranker: Reranker | null;
  client: Client;
  workflowTaskQueue: string;
  metrics: Metrics;
  logger: Logger;
}): Application {
  const { config, stores, embedders, reranker, client, workflowTaskQueue, metrics, logger } = options;
  const { documents, versions, steps, sections, cartridges, blobs, cache, chunks, vectors, verification } =
    stores;
  const { lexical, chunkEntities } = stores;
  return {
    missions: new Missions(cartridges),
    admission: new Admission({
      documents,
      versions,
      blobs,
      client,
      workflowTaskQueue,
      maxUploadBytes: config.MAX_UPLOAD_BYTES,
      metrics,
      logger,
    }),
    deletion: new DocumentDeletion({ documents, cache, client, workflowTaskQueue, logger }),
    view: new DocumentView({ documents, steps, verification, sections, client }),
    resume: new ResumeSweep({ documents, versions, cartridges, client, workflowTaskQueue, logger }),
    search: new SearchService({
      chunks,
      retrieval: new Retrieval({ lexical, vectors, chunkEntities }),
      embedderFor: (cartridge) => embedders.forCartridge(cartridge),
      cache,
      // An in-process cache cannot hear about index changes made by workers in other processes.
      cacheTtlSeconds: stores.shareable && !config.REDIS_URL ? 0 : config.SEARCH_CACHE_TTL_SECONDS,
      questionSplitter:
        config.LLM_URL && config.LLM_MODEL
          ? new ChatQuestionSplitter({
              baseUrl: config.LLM_URL,
              model: config.LLM_MODEL,
              apiKey: config.LLM_API_KEY,
            })
          : null,
      reranker,
      logger,
    }),
    desk: new VerificationDesk({ verification, client, logger }),
  };
}
