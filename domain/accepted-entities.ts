import { entitySupport, type ExtractorVote } from './consensus';
import {
  assembleEntities,
  entityKey,
  type ChunkText,
  type EntityRef,
  type ExtractedEntities,
} from './entities';

/**
 * The entities the extractors agreed on, as one document's graph: every candidate whose consensus
 * support (domain/consensus.ts) is at least `minSupport`, under the type and name the consensus gave
 * it, mentioned in every chunk where any extractor found it, with co-occurrence relations among them
 * (assembled with the same caps as any extractor's output). `alwaysKeep` names entities kept whatever
 * their support: those a reviewer added.
 */
export function acceptedEntities(
  votes: readonly ExtractorVote[],
  cartridgeTypes: readonly string[],
  minSupport: number,
  chunks: readonly ChunkText[],
  alwaysKeep: readonly EntityRef[] = [],
): ExtractedEntities {
  const kept = new Set(alwaysKeep.map((ref) => `${ref.type}\u0000${entityKey(ref.key)}`));
  const accepted = new Map(
    entitySupport(votes, cartridgeTypes)
      .entities.filter(
        (entity) => entity.support >= minSupport || kept.has(`${entity.type}\u0000${entity.key}`),
      )
      .map((entity) => [entity.key, entity]),
  );
  // What any running extractor found in each chunk, under the consensus's identity of it.
  const byChunk = new Map<number, Array<{ type: string; key: string; name: string }>>();
  for (const vote of votes) {
    if (vote.weight <= 0) continue;
    for (const mention of vote.result.mentions) {
      const consensus = accepted.get(entityKey(mention.name));
      if (!consensus) continue;
      // A case-sensitive type keeps its own key; otherwise the consensus's case-folded one.
      const key = mention.type === consensus.type ? mention.key : consensus.key;
      const list = byChunk.get(mention.chunkIndex) ?? [];
      list.push({ type: consensus.type, key, name: consensus.name });
      byChunk.set(mention.chunkIndex, list);
    }
  }
  return assembleEntities(chunks, (_text, record, chunkIndex) => {
    const found = byChunk.get(chunkIndex) ?? [];
    // Offsets are the order of discovery: enough for the first-seen order the caps use.
    return found.every((entity, offset) => record(entity.type, entity.key, entity.name, offset));
  });
}
