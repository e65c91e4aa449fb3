import { chunkBlocks } from '../domain/chunking';
import type { IngestInput } from '../domain/documents';
import type { IngestContext } from './ingest-context';
import { cancellationSignal, heartbeat } from './step-runner';

export interface ChunkResult {
  chunkCount: number;
}
export interface EmbedResult {
  vectorCount: number;
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
        for (;;) {
          const batch = await chunkStore.chunksToEmbed(
            input.missionId,
            input.documentId,
            document.contentVersion,
            embedder.model,
            deps.embedBatchSize,
          );
          if (batch.length === 0) break;
          // The step already heartbeats; the signal aborts the request if the activity is cancelled.
          const vectorsOut = await embedder.embed(
            batch.map((chunk) => (chunk.heading ? `${chunk.heading}\n${chunk.text}` : chunk.text)),
            cancellationSignal(),
          );
          await vectors.upsert(
            input.missionId,
            embedder.model,
            batch.map((chunk, i) => ({
              chunkId: chunk.chunkId,
              documentId: input.documentId,
              contentVersion: document.contentVersion,
              chunkIndex: chunk.chunkIndex,
              vector: vectorsOut[i] ?? [],
            })),
          );
          // Only after the vectors are stored: a crash in between re-sends this batch, never skips it.
          await chunkStore.markEmbedded(
            input.missionId,
            batch.map((chunk) => chunk.chunkId),
            embedder.model,
          );
          vectorCount += batch.length;
          heartbeat({ vectorCount });
        }
        return { vectorCount, model: embedder.model };
      });
    },
  };
}

/** The distinct titles of a document, as one text (null when it has none). */
function titleText(...titles: Array<string | null>): string | null {
  const distinct = [...new Set(titles.filter((title): title is string => Boolean(title)))];
  return distinct.length > 0 ? distinct.join(' \u2014 ') : null;
}
