import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbedderChoice } from '../../adapters/embedder-choice';
import { LexicalEmbedder } from '../../adapters/embedders';
import { createIngestActivities } from '../../activities/ingest';
import { createVerificationActivities } from '../../activities/verification';
import { ingestWorkflowId, type IngestInput } from '../../domain/documents';
import { createLogger } from '../../observability/logger';
import { createMetrics } from '../../observability/metrics';
import { LocalBlobStore } from '../../stores/blobs/blob-store';
import { LruSearchCache } from '../../stores/cache/search-cache';
import { CartridgeStore } from '../../stores/relational/cartridges';
import { createDocumentStores, type DocumentStore } from '../../stores/relational/documents';
import type { StepLog } from '../../stores/relational/step-log';
import { SectionStore } from '../../stores/relational/sections';
import { documentIdFor } from '../../stores/ids';
import { readMissionCartridges } from '../../stores/mission-files';
import { openEmbeddedDatabase } from '../../stores/relational/pglite';
import type { SqlClient } from '../../stores/relational/sql';
import { SqlGraphStore } from '../../stores/graph/sql-graph';
import { PgVectorStore } from '../../stores/vectors/vector-store';
import { VerificationStore } from '../../stores/relational/verification';
import { writeTestMissions } from './missions';

export interface InProcessPipeline {
  sql: SqlClient;
  mission: string;
  /** Where the blob store keeps its files. */
  blobDir: string;
  documents: DocumentStore;
  steps: StepLog;
  verification: VerificationStore;
  ingest: ReturnType<typeof createIngestActivities>;
  review: ReturnType<typeof createVerificationActivities>;
  /** Stores `text` as a plain-text upload and records the document: the input its run gets. */
  admitText(text: string): Promise<IngestInput>;
  close(): Promise<void>;
}

/**
 * The pipeline's activities on real embedded stores (PGlite, local blobs, pgvector, the SQL graph),
 * for one new test mission, without the platform around them: for tests that drive steps
 * directly or run the workflow on an environment of their own (time skipping).
 */
export async function openInProcessPipeline(
  name: string,
  cartridge: Record<string, unknown> = {},
): Promise<InProcessPipeline> {
  const scratch = await mkdtemp(join(tmpdir(), `mf-${name}-`));
  const missions = await writeTestMissions([name], { [name]: cartridge });
  const mission = missions.ids[0] as string;
  const { sql } = await openEmbeddedDatabase();
  const documentStores = createDocumentStores(sql);
  const { documents } = documentStores;
  const cartridges = new CartridgeStore(sql);
  const verification = new VerificationStore(sql);
  const [loaded] = await readMissionCartridges(missions.dir);
  if (!loaded) throw new Error('the test mission was not written');
  const { version } = await cartridges.activate(loaded.cartridge, loaded.source);
  const blobDir = join(scratch, 'blobs');
  const blobs = new LocalBlobStore(blobDir);
  const cache = new LruSearchCache({ maxEntries: 10 });
  const logger = createLogger('silent');
  const ingest = createIngestActivities({
    ...documentStores,
    sections: new SectionStore(sql),
    cartridges,
    blobs,
    vectors: new PgVectorStore(sql),
    cache,
    graph: new SqlGraphStore(sql),
    // Nothing here admits updates, so no run ever hands one over.
    startIngest: async () => {
      throw new Error('this pipeline starts no runs: it has no Temporal client');
    },
    embedders: new EmbedderChoice({ lexical: new LexicalEmbedder(64), local: null, openai: null }),
    logger,
    metrics: createMetrics(),
    taskQueuePrefix: name,
    embedBatchSize: 4,
    parserMemoryMb: 512,
    ocrEnvironment: process.env,
  });
  const review = createVerificationActivities({ documents, cartridges, verification, cache, logger });
  return {
    sql,
    mission,
    blobDir,
    documents,
    steps: documentStores.steps,
    verification,
    ingest,
    review,
    async admitText(text) {
      const blob = await blobs.putBytes(Buffer.from(text), mission);
      const documentId = documentIdFor(mission, blob.sha256);
      await documents.admit({
        missionId: mission,
        documentId,
        sha256: blob.sha256,
        sizeBytes: blob.sizeBytes,
        mediaType: 'text/plain',
        title: null,
        metadata: {},
        blobKey: blob.key,
        cartridgeVersion: version,
        workflowId: ingestWorkflowId(mission, documentId),
      });
      return { missionId: mission, documentId, cartridgeVersion: version };
    },
    async close() {
      await sql.close();
      await rm(scratch, { recursive: true, force: true });
      await rm(missions.dir, { recursive: true, force: true });
    },
  };
}
