import {
  entityLimits,
  type ChunkText,
  type DocumentEntity,
  type EntityMention,
  type EntityRef,
  type EntityRelation,
  type ExtractedEntities,
} from './entity-types';

// How every extractor's matches become one document's entities and relations.

/** An entity within one chunk while the chunk is scanned. */
interface ChunkEntity {
  type: string;
  key: string;
  name: string;
  firstOffset: number;
  occurrences: number;
}

/**
 * Receives one match while a chunk is scanned, at its offset in the chunk. Returns false once the
 * chunk's match budget (`entityLimits.maxMatchesPerChunk`) is spent: the scan should stop there.
 */
export type EntityRecorder = (type: string, key: string, name: string, offset: number) => boolean;

/**
 * Reads one chunk's text, passing every match to `record`; returns false when it stopped early
 * (the budget ran out), so the chunk is listed as truncated.
 */
export type ChunkScanner = (text: string, record: EntityRecorder, chunkIndex: number) => boolean;

/**
 * What every extractor does once it can find matches: turns the matches of each chunk into mentions,
 * document entities and co-occurrence relations, with the per-chunk and per-document caps of
 * `entityLimits`. Shared so that the extractors' outputs have one shape and one ordering, whatever
 * finds the matches. Chunks are read in chunk-index order whatever order they are given in.
 */
export function assembleEntities(chunks: readonly ChunkText[], scanChunk: ChunkScanner): ExtractedEntities {
  const ordered = [...chunks].sort((a, b) => a.chunkIndex - b.chunkIndex);
  const mentions: EntityMention[] = [];
  const entities = new Map<string, DocumentEntity>();
  const relations = new Map<string, EntityRelation>();
  const truncatedChunks = new Set<number>();

  for (const { chunkIndex, text } of ordered) {
    const found = new Map<string, ChunkEntity>();
    let matches = 0;
    const record: EntityRecorder = (type, key, name, offset) => {
      if (++matches > entityLimits.maxMatchesPerChunk) return false;
      const id = refId(type, key);
      const seen = found.get(id);
      if (!seen) found.set(id, { type, key, name, firstOffset: offset, occurrences: 1 });
      else {
        seen.occurrences += 1;
        if (offset < seen.firstOffset) Object.assign(seen, { firstOffset: offset, name });
      }
      return true;
    };
    if (!scanChunk(text, record, chunkIndex)) truncatedChunks.add(chunkIndex);

    const inChunk = [...found.values()].sort((a, b) => a.firstOffset - b.firstOffset || compareRefs(a, b));
    if (inChunk.length > entityLimits.maxEntitiesPerChunk) {
      truncatedChunks.add(chunkIndex);
      inChunk.length = entityLimits.maxEntitiesPerChunk;
    }
    for (const entity of inChunk) {
      const { type, key, name, occurrences } = entity;
      mentions.push({ type, key, name, chunkIndex, occurrences });
      const id = refId(type, key);
      const known = entities.get(id);
      if (!known) entities.set(id, { type, key, name, chunkIndexes: [chunkIndex] });
      else if (known.chunkIndexes[known.chunkIndexes.length - 1] !== chunkIndex) {
        known.chunkIndexes.push(chunkIndex);
      }
    }

    const paired = inChunk.slice(0, entityLimits.maxPairedEntitiesPerChunk);
    if (paired.length < inChunk.length) truncatedChunks.add(chunkIndex);
    for (let i = 0; i < paired.length; i++) {
      for (let j = i + 1; j < paired.length; j++) {
        const [from, to] = orderPair(paired[i] as ChunkEntity, paired[j] as ChunkEntity);
        const id = `${refId(from.type, from.key)}\u0001${refId(to.type, to.key)}`;
        const known = relations.get(id);
        if (known) known.weight += 1;
        else
          relations.set(id, {
            from: { type: from.type, key: from.key },
            to: { type: to.type, key: to.key },
            weight: 1,
          });
      }
    }
  }

  // Per-document caps: keep the best-supported entities, then the heaviest relations among them.
  let keptEntities = [...entities.values()];
  let droppedEntities = 0;
  if (keptEntities.length > entityLimits.maxEntitiesPerDocument) {
    keptEntities.sort((a, b) => b.chunkIndexes.length - a.chunkIndexes.length || compareRefs(a, b));
    droppedEntities = keptEntities.length - entityLimits.maxEntitiesPerDocument;
    keptEntities = keptEntities.slice(0, entityLimits.maxEntitiesPerDocument);
  }
  const keptIds = new Set(keptEntities.map((entity) => refId(entity.type, entity.key)));
  let keptRelations = [...relations.values()];
  const relationCount = keptRelations.length;
  if (droppedEntities > 0) {
    keptRelations = keptRelations.filter(
      (relation) =>
        keptIds.has(refId(relation.from.type, relation.from.key)) &&
        keptIds.has(refId(relation.to.type, relation.to.key)),
    );
  }
  if (keptRelations.length > entityLimits.maxRelationsPerDocument) {
    keptRelations.sort((a, b) => b.weight - a.weight || compareRelations(a, b));
    keptRelations = keptRelations.slice(0, entityLimits.maxRelationsPerDocument);
  }
  const keptMentions =
    droppedEntities > 0
      ? mentions.filter((mention) => keptIds.has(refId(mention.type, mention.key)))
      : mentions;

  return {
    mentions: keptMentions,
    entities: keptEntities.sort(compareRefs),
    relations: keptRelations.sort(compareRelations),
    truncated: {
      chunks: [...truncatedChunks].sort((a, b) => a - b),
      entities: droppedEntities,
      relations: relationCount - keptRelations.length,
    },
  };
}

function refId(type: string, key: string): string {
  return `${type}\u0000${key}`;
}

/** Code-unit order, never locale order: the output must not depend on the machine. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRefs(a: EntityRef, b: EntityRef): number {
  return compareStrings(a.type, b.type) || compareStrings(a.key, b.key);
}

function compareRelations(a: EntityRelation, b: EntityRelation): number {
  return compareRefs(a.from, b.from) || compareRefs(a.to, b.to);
}

function orderPair<T extends EntityRef>(a: T, b: T): [T, T] {
  return compareRefs(a, b) <= 0 ? [a, b] : [b, a];
}
