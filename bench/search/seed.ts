import { createHash } from 'node:crypto';
import type { Cartridge } from '../../domain/cartridge';
import { ingestWorkflowId } from '../../domain/documents';
import { extractEntities } from '../../domain/entities';
import { blobKeyFor } from '../../stores/blobs/blob-store';
import { documentIdFor } from '../../stores/ids';
import { chunkIdFor } from '../../stores/relational/chunks';
import type { Stores } from '../../workers/stores';
import { chunksPerDocument, generatedDocument, type GeneratedDocument, type PoolSentence } from './corpus';
import { meanVector } from './pool-vectors';

export interface SeedCorpus {
  pool: readonly PoolSentence[];
  poolByTopic: ReadonlyArray<readonly number[]>;
  vectors: ReadonlyArray<Float32Array>;
}

export interface SeedTarget {
  stores: Stores;
  missionId: string;
  cartridge: Cartridge;
  cartridgeVersion: number;
  /** The embedder's model name, which the vectors are stored under. */
  model: string;
}

/**
 * Grows the mission to `chunkCount` chunks, a generated document at a time, through the same store
 * calls as the ingest pipeline's steps (admit, chunk with BM25 postings, embed, graph, index) so the
 * rows, postings, vectors and entity mentions are what a real ingest leaves. Only the bytes are
 * skipped: no blob is written, nothing reads one at search time.
 */
export async function seedChunks(
  target: SeedTarget,
  corpus: SeedCorpus,
  chunkCount: number,
  say: (message: string) => void,
): Promise<{ documents: number; seconds: number }> {
  const have = await documentCount(target);
  const want = Math.ceil(chunkCount / chunksPerDocument);
  const started = performance.now();
  // Several documents at a time where the database serves connections in parallel; PGlite is one
  // thread, so more in flight there would only queue.
  const width = target.stores.shareable ? 3 : 1;
  let next = have;
  let done = 0;
  let lastReport = started;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < want) {
        const number = next++;
        await writeDocument(target, generatedDocument(number, corpus.poolByTopic, corpus.pool), corpus);
        done++;
        if (performance.now() - lastReport > 15_000) {
          lastReport = performance.now();
          const rate = (done * chunksPerDocument) / ((lastReport - started) / 1000);
          say(`  seeded ${(have + done) * chunksPerDocument} chunks (${rate.toFixed(0)} chunks/s)`);
        }
      }
    }),
  );
  await target.stores.cache.invalidateMission(target.missionId);
  return { documents: Math.max(0, want - have), seconds: (performance.now() - started) / 1000 };
}

async function documentCount(target: SeedTarget): Promise<number> {
  const { rows } = await target.stores.sql.inMission(target.missionId, (tx) =>
    tx.query<{ n: number }>('SELECT count(*)::int AS n FROM documents WHERE mission_id = $1', [
      target.missionId,
    ]),
  );
  return rows[0]?.n ?? 0;
}

async function writeDocument(target: SeedTarget, document: GeneratedDocument, corpus: SeedCorpus) {
  const { stores, missionId, cartridge, model } = target;
  const text = document.chunks.map((chunk) => chunk.text).join('\n\n');
  const sha256 = createHash('sha256').update(text).digest('hex');
  const documentId = documentIdFor(missionId, sha256);
  const { document: admitted } = await stores.documents.admit({
    missionId,
    documentId,
    sha256,
    sizeBytes: Buffer.byteLength(text),
    mediaType: 'text/plain',
    title: document.title,
    metadata: { topic: document.topic },
    blobKey: blobKeyFor(sha256, missionId),
    cartridgeVersion: target.cartridgeVersion,
    workflowId: ingestWorkflowId(missionId, documentId),
  });
  const contentVersion = admitted.contentVersion;
  await stores.chunks.insertChunks(missionId, documentId, contentVersion, document.chunks, {
    language: cartridge.search.language,
    title: document.title,
  });
  // The embed step: vectors stored, then the chunks recorded as embedded (activities/chunk.ts).
  await stores.vectors.upsert(
    missionId,
    model,
    document.chunks.map((chunk) => ({
      chunkId: chunkIdFor(documentId, contentVersion, chunk.index),
      documentId,
      contentVersion,
      chunkIndex: chunk.index,
      vector: meanVector(corpus.vectors, chunk.sentences),
    })),
  );
  await stores.chunks.markEmbedded(
    missionId,
    document.chunks.map((chunk) => chunkIdFor(documentId, contentVersion, chunk.index)),
    model,
  );
  // The graph step, with the cartridge's dictionary extractor alone (no consensus to reach here).
  const { entities, relations } = extractEntities(
    cartridge.entities,
    document.chunks.map((chunk) => ({ chunkIndex: chunk.index, text: chunk.text })),
  );
  await stores.graph.upsertDocument(missionId, { documentId, contentVersion, entities, relations });
  await stores.chunkEntities.record(missionId, documentId, contentVersion, entities);
  await stores.documents.markIndexed(missionId, documentId, contentVersion);
}
