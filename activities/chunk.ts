import { createHash } from 'node:crypto';
import type { Embedder } from '../adapters/embedders';
import { chunkBlocks } from '../domain/chunking';
import type { IngestInput } from '../domain/documents';
import type { IngestContext } from './ingest-context';
import { cancellationSignal, heartbeat } from './step-runner';

export interface ChunkResult {
  chunkCount: number;
}
export interface EmbedResult {
  vectorCount: number;
  /** Chunks whose vector was copied from a chunk with the same text (not embedded again). */
  reusedCount: number;
  model: string;
}

/** Steps `chunk` and `embed`: the text in chunks, and each chunk's vector in the vector store. */
export function createChunkActivities(context: IngestContext) {
  const { deps, runStep, loadRun, readParsed } = context;
  const { chunks: chunkStore, vectors } = deps;

  return {
    async chunkDocument(input: IngestInput, parsedKey: string): Promise<ChunkResult> {
      return runStep(input, 'chunk', async () => {
        const { document, cartridge } = await loadRun(input);
        const parsed = await readParsed(parsedKey);
        const chunks = chunkBlocks(parsed.blocks, cartridge.chunking);
        await chunkStore.insertChunks(input.missionId, input.documentId, document.contentVersion, chunks, {
          language: cartridge.search.language,
          // Both the content's title and the one given at intake weigh as title text in search.
          title: titleText(parsed.title, document.title),
        });
        return { chunkCount: chunks.length };
      });
    },

    async embedChunks(input: IngestInput): Promise<EmbedResult> {
      return runStep(input, 'embed', async () => {
        const { document, cartridge } = await loadRun(input);
        const embedder = deps.embedders.forCartridge(cartridge);
        let vectorCount = 0;
        let reusedCount = 0;
        for (;;) {
          const pending = await chunkStore.chunksToEmbed(
            input.missionId,
            input.documentId,
            document.contentVersion,
            embedder.model,
            deps.embedBatchSize,
          );
          if (pending.length === 0) break;
          // Text the mission already has a vector for, from this model, is not embedded again.
          const reused = new Set(
            (await vectors.reuseByContent?.(
              input.missionId,
              embedder.model,
              embedder.dimensions,
              pending.map((chunk) => ({
                chunkId: chunk.chunkId,
                documentId: input.documentId,
                contentVersion: document.contentVersion,
                chunkIndex: chunk.chunkIndex,
                contentHash: contentHashOf(embeddingInput(chunk)),
              })),
            )) ?? [],
          );
          if (reused.size > 0) await chunkStore.markEmbedded(input.missionId, [...reused], embedder.model);
          reusedCount += reused.size;
          const batch = pending.filter((chunk) => !reused.has(chunk.chunkId));
          if (batch.length > 0) await embedBatch(embedder, input, document.contentVersion, batch);
          vectorCount += pending.length;
          heartbeat({ vectorCount });
        }
        return { vectorCount, reusedCount, model: embedder.model };
      });
    },
  };

  /** Embeds one batch and stores its vectors, then records them as done (never before). */
  async function embedBatch(
    embedder: Embedder,
    input: IngestInput,
    contentVersion: number,
    batch: ReadonlyArray<{ chunkId: string; chunkIndex: number; text: string; heading: string | null }>,
  ): Promise<void> {
    // The step already heartbeats; the signal aborts the request if the activity is cancelled.
    const inputs = batch.map(embeddingInput);
    const vectorsOut = await embedder.embed(inputs, cancellationSignal());
    await vectors.upsert(
      input.missionId,
      embedder.model,
      batch.map((chunk, i) => ({
        chunkId: chunk.chunkId,
        documentId: input.documentId,
        contentVersion,
        chunkIndex: chunk.chunkIndex,
        vector: vectorsOut[i] ?? [],
        contentHash: contentHashOf(inputs[i] as string),
      })),
    );
    // Only after the vectors are stored: a crash in between re-sends this batch, never skips it.
    await chunkStore.markEmbedded(
      input.missionId,
      batch.map((chunk) => chunk.chunkId),
      embedder.model,
    );
  }
}

/** What a chunk is embedded from: its heading gives its text the context it was written in. */
function embeddingInput(chunk: { heading: string | null; text: string }): string {
  return chunk.heading ? `${chunk.heading}\n${chunk.text}` : chunk.text;
}

function contentHashOf(input: string): string {
  return createHash('sha256').update(input, 'utf8').digest('hex');
}

/** The distinct titles of a document, as one text (null when it has none). */
function titleText(...titles: Array<string | null>): string | null {
  const distinct = [...new Set(titles.filter((title): title is string => Boolean(title)))];
  return distinct.length > 0 ? distinct.join(' \u2014 ') : null;
}
