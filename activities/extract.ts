import { scoreConsensus } from '../domain/consensus';
import { definitionsWithCorrections, withoutRemovedEntities } from '../domain/corrections';
import type { IngestInput } from '../domain/documents';
import { acceptedEntities } from '../domain/accepted-entities';
import { localExtractorVotes } from '../domain/extractors';
import type { Corrections } from '../domain/verification';
import type { IngestContext } from './ingest-context';
import { cancellationSignal } from './step-runner';

export interface AssessResult {
  /** The extractors' agreement in [0, 1] (domain/consensus.ts). */
  score: number;
  candidates: number;
  extractors: string[];
}

export interface GraphResult {
  entityCount: number;
  relationCount: number;
  /** Chunks where a per-chunk cap of the extractor applied (see domain/entities.ts). */
  truncatedChunks: number;
  corrected: boolean;
}

/** Steps `extract` and `graph`: the extractors' votes and consensus, then entities into the graph. */
export function createExtractActivities(context: IngestContext) {
  const { deps, runStep, loadRun } = context;
  const { chunks: chunkStore, graph } = deps;

  return {
    /**
     * The independent extractors over the document's chunks, and their agreement: stored with the
     * document (shown by the API) and returned for the review gate. Writes nothing to the graph:
     * that waits for the review (mergeEntityGraph).
     */
    async assessEntities(input: IngestInput): Promise<AssessResult> {
      return runStep(input, 'extract', async () => {
        const { document, cartridge } = await loadRun(input);
        const chunks = await chunkStore.chunkTexts(
          input.missionId,
          input.documentId,
          document.contentVersion,
        );
        const types = cartridge.entities.map((definition) => definition.type);
        const votes = localExtractorVotes(cartridge, chunks);
        const llm = deps.llmExtractor;
        let llmReport: { model: string; invalidAnswers: number; truncated: boolean } | undefined;
        if (llm && cartridge.extraction.weights.llm > 0 && types.length > 0) {
          const asked = await llm.extract(chunks, types, cancellationSignal());
          votes.push({
            name: 'llm',
            weight: cartridge.extraction.weights.llm,
            general: true,
            types,
            result: asked.result,
          });
          llmReport = { model: llm.model, invalidAnswers: asked.invalidAnswers, truncated: asked.truncated };
        }
        const consensus = { ...scoreConsensus(votes, types), ...(llmReport ? { llm: llmReport } : {}) };
        await deps.documents.recordQuality(input.missionId, input.documentId, { consensus });
        return {
          score: consensus.score,
          candidates: consensus.entities.length + consensus.omitted,
          extractors: consensus.extractors.map((extractor) => extractor.name),
        };
      });
    },

    /**
     * The entities the extractors agreed on (support at least the cartridge's extraction.minSupport),
     * with a reviewer's corrections (domain/corrections.ts), replace this content version's part of
     * the mission graph, and the chunks' mentions used by graph retrieval. Idempotent. The local
     * extractors run again here (a reviewer's added entities are among their terms); the optional
     * language-model extractor does not, so its vote counts in the review gate only.
     */
    async mergeEntityGraph(input: IngestInput, corrections?: Corrections): Promise<GraphResult> {
      return runStep(input, 'graph', async () => {
        const { document, cartridge } = await loadRun(input);
        const chunks = await chunkStore.chunkTexts(
          input.missionId,
          input.documentId,
          document.contentVersion,
        );
        const definitions = definitionsWithCorrections(cartridge.entities, corrections);
        const votes = localExtractorVotes({ ...cartridge, entities: definitions }, chunks);
        const added = (corrections?.entities?.add ?? []).map((entity) => ({
          type: entity.type,
          key: entity.name,
        }));
        const found = acceptedEntities(
          votes,
          definitions.map((definition) => definition.type),
          cartridge.extraction.minSupport,
          chunks,
          added,
        );
        const { entities, relations } = withoutRemovedEntities(found, corrections);
        await graph.upsertDocument(input.missionId, {
          documentId: input.documentId,
          contentVersion: document.contentVersion,
          entities,
          relations,
        });
        await deps.chunkEntities.record(input.missionId, input.documentId, document.contentVersion, entities);
        return {
          entityCount: entities.length,
          relationCount: relations.length,
          truncatedChunks: found.truncated.chunks.length,
          corrected: corrections !== undefined,
        };
      });
    },
  };
}
