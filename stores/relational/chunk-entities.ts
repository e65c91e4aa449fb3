import { entityKey, type DocumentEntity, type EntityRef } from '../../domain/entities';
import { chunkIdFor } from './chunks';
import { MissionScopedStore } from './document-rows';

/** An entity the question names, as the mission's chunks know it. */
export interface NamedEntity extends EntityRef {
  name: string;
  /** Chunks mentioning it. */
  chunks: number;
}

/** Word sequences up to this long are tried as entity names ("Altamira Robotics Inc." is three). */
const maxNameWords = 6;

/**
 * Which chunk mentions which entity: what the graph step merged, kept beside the chunks so the graph
 * strategy of search can go from an entity to the passages that name it. Rows go with their chunk
 * (foreign key), and only chunks of indexed documents are ever returned.
 */
export class ChunkEntityIndex extends MissionScopedStore {
  /** Replaces the mentions of one content version's chunks; idempotent. */
  async record(
    missionId: string,
    documentId: string,
    contentVersion: number,
    entities: readonly DocumentEntity[],
  ): Promise<void> {
    const rows = entities.flatMap((entity) =>
      entity.chunkIndexes.map((chunkIndex) => ({
        chunkId: chunkIdFor(documentId, contentVersion, chunkIndex),
        entity,
      })),
    );
    await this.sql.inMission(missionId, async (tx) => {
      await tx.query(
        `DELETE FROM chunk_entities t USING chunks c
         WHERE t.mission_id = $1 AND c.mission_id = $1 AND c.chunk_id = t.chunk_id
           AND c.document_id = $2 AND c.content_version = $3`,
        [missionId, documentId, contentVersion],
      );
      if (rows.length === 0) return;
      // Only chunks that exist: a mention of a chunk index the chunk step did not write is dropped.
      await tx.query(
        `INSERT INTO chunk_entities (mission_id, chunk_id, type, key, name)
         SELECT $1, m.chunk_id, m.type, m.key, m.name
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS m (chunk_id, type, key, name)
         JOIN chunks c ON c.mission_id = $1 AND c.chunk_id = m.chunk_id
         ON CONFLICT DO NOTHING`,
        [
          missionId,
          rows.map((row) => row.chunkId),
          rows.map((row) => row.entity.type),
          rows.map((row) => row.entity.key),
          rows.map((row) => row.entity.name),
        ],
      );
    });
  }

  /**
   * Entities whose key is a word sequence of the question, longest names first (the more specific),
   * then the most mentioned; only those mentioned by searchable chunks.
   */
  async entitiesNamedIn(missionId: string, question: string, limit = 20): Promise<NamedEntity[]> {
    const candidates = candidateKeys(question);
    if (candidates.length === 0) return [];
    const { rows } = await this.scoped(missionId).query<{
      type: string;
      key: string;
      name: string;
      chunks: number;
    }>(
      `SELECT t.type, t.key, min(t.name) AS name, count(*)::int AS chunks
       FROM chunk_entities t JOIN chunks c ON c.mission_id = t.mission_id AND c.chunk_id = t.chunk_id
       WHERE t.mission_id = $1 AND t.key = ANY($2::text[]) AND c.searchable
       GROUP BY t.type, t.key
       ORDER BY length(t.key) DESC, chunks DESC, t.type COLLATE "C", t.key COLLATE "C"
       LIMIT $3`,
      [missionId, candidates, limit],
    );
    return rows;
  }

  /** Searchable chunks mentioning any of these entities, one row per (chunk, entity). */
  async chunksMentioning(
    missionId: string,
    entities: readonly EntityRef[],
    limit = 5_000,
  ): Promise<Array<EntityRef & { chunkId: string }>> {
    if (entities.length === 0) return [];
    const { rows } = await this.scoped(missionId).query<{ chunk_id: string; type: string; key: string }>(
      `SELECT t.chunk_id, t.type, t.key
       FROM unnest($2::text[], $3::text[]) AS e (type, key)
       JOIN chunk_entities t ON t.mission_id = $1 AND t.key = e.key AND t.type = e.type
       JOIN chunks c ON c.mission_id = t.mission_id AND c.chunk_id = t.chunk_id
       WHERE c.searchable
       ORDER BY t.chunk_id COLLATE "C"
       LIMIT $4`,
      [missionId, entities.map((entity) => entity.type), entities.map((entity) => entity.key), limit],
    );
    return rows.map((row) => ({ chunkId: row.chunk_id, type: row.type, key: row.key }));
  }
}

/**
 * Every sequence of up to `maxNameWords` words of the question as an entity key would be written,
 * each word also without the punctuation around it ("Inc.?" gives "inc.?" and "inc"), in the
 * case-folded form and as typed (for case-sensitive types).
 */
export function candidateKeys(question: string): string[] {
  const words = question.split(/\s+/u).filter((word) => word.length > 0);
  const bare = words.map((word) => word.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, ''));
  const keys = new Set<string>();
  for (let start = 0; start < words.length; start++) {
    for (let end = start + 1; end <= Math.min(words.length, start + maxNameWords); end++) {
      for (const form of [words, bare]) {
        const phrase = form.slice(start, end).join(' ');
        const trimmed = phrase.replace(/[?!,;:"')\]]+$/u, '');
        for (const surface of [phrase, trimmed]) {
          if (surface.length === 0) continue;
          keys.add(entityKey(surface));
          keys.add(entityKey(surface, true));
        }
      }
    }
  }
  return [...keys];
}
