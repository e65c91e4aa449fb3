import { entityKey, type DocumentEntity, type EntityRef } from '../../domain/entities';
import { chunkIdFor } from './chunks';
import { MissionScopedStore } from './document-rows';
import { countMentionsSql } from './searchable-chunks';
import { mentionPasses } from './two-pass-ranking';

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
      // Mentions of a searchable chunk count in entity_statistics: what goes is subtracted and what
      // comes is added (searchable-chunks.ts). Chunks are usually not searchable yet at this step.
      await tx.query(
        `WITH removed AS (
           DELETE FROM chunk_entities t USING chunks c
           WHERE t.mission_id = $1 AND c.mission_id = $1 AND c.chunk_id = t.chunk_id
             AND c.document_id = $2 AND c.content_version = $3
           RETURNING t.key, t.type, t.name, t.searchable
         ),
         uncounted AS (SELECT key, type, name, false AS searchable FROM removed WHERE searchable)
         ${countMentionsSql('uncounted')}`,
        [missionId, documentId, contentVersion],
      );
      if (rows.length === 0) return;
      // Only chunks that exist: a mention of a chunk index the chunk step did not write is dropped.
      await tx.query(
        `WITH added AS (
           INSERT INTO chunk_entities (mission_id, chunk_id, type, key, name, searchable)
           SELECT $1, m.chunk_id, m.type, m.key, m.name, c.searchable
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS m (chunk_id, type, key, name)
           JOIN chunks c ON c.mission_id = $1 AND c.chunk_id = m.chunk_id
           ON CONFLICT DO NOTHING
           RETURNING key, type, name, searchable
         ),
         counted AS (SELECT * FROM added WHERE searchable)
         ${countMentionsSql('counted')}`,
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
   * then the most mentioned; only those mentioned by searchable chunks (entity_statistics).
   */
  async entitiesNamedIn(missionId: string, question: string, limit = 20): Promise<NamedEntity[]> {
    const candidates = candidateKeys(question);
    if (candidates.length === 0) return [];
    const { rows } = await this.scoped(missionId).query<NamedEntity>(
      `SELECT type, key, name, chunks FROM entity_statistics
       WHERE mission_id = $1 AND key = ANY($2::text[]) AND chunks > 0
       ORDER BY length(key) DESC, chunks DESC, type COLLATE "C", key COLLATE "C"
       LIMIT $3`,
      [missionId, candidates, limit],
    );
    return rows;
  }

  /**
   * For each entity, the entities most often mentioned in the same searchable chunks (its neighbours
   * in the entity graph, whose edges are exactly such co-mentions), at most `perEntity` each, most
   * co-mentions first, with how many chunks mention each neighbour in all. Counted over the entity's
   * first `sampledChunks` chunks (chunk id order, which follows no document's meaning): exact for an
   * entity mentioned less often than that, an estimate from a fixed-size sample for one mentioned
   * everywhere, so a question costs the same at any size of the mission.
   */
  async neighboursOf(
    missionId: string,
    entities: readonly EntityRef[],
    perEntity: number,
    sampledChunks = 200,
  ): Promise<Array<EntityRef & { of: EntityRef; together: number; chunks: number }>> {
    if (entities.length === 0) return [];
    const { rows } = await this.scoped(missionId).query<{
      of_type: string;
      of_key: string;
      type: string;
      key: string;
      together: number;
      chunks: number;
    }>(
      `WITH e AS (SELECT * FROM unnest($2::text[], $3::text[]) AS e (type, key)),
       sample AS (
         SELECT e.type AS of_type, e.key AS of_key, m.chunk_id
         FROM e CROSS JOIN LATERAL (
           SELECT t.chunk_id FROM chunk_entities t
           WHERE t.mission_id = $1 AND t.key = e.key AND t.type = e.type AND t.searchable
           ORDER BY t.chunk_id LIMIT $5
         ) m
       ),
       together AS (
         SELECT s.of_type, s.of_key, o.type, o.key, count(*)::int AS together
         FROM sample s JOIN chunk_entities o ON o.mission_id = $1 AND o.chunk_id = s.chunk_id
         WHERE (o.type, o.key) <> (s.of_type, s.of_key)
         GROUP BY s.of_type, s.of_key, o.type, o.key
       ),
       ranked AS (
         SELECT *, row_number() OVER (
           PARTITION BY of_type, of_key ORDER BY together DESC, type COLLATE "C", key COLLATE "C"
         ) AS rank
         FROM together
       )
       SELECT r.of_type, r.of_key, r.type, r.key, r.together, s.chunks
       FROM ranked r JOIN entity_statistics s ON s.mission_id = $1 AND s.key = r.key AND s.type = r.type
       WHERE r.rank <= $4
       ORDER BY r.of_type, r.of_key, r.rank`,
      [
        missionId,
        entities.map((entity) => entity.type),
        entities.map((entity) => entity.key),
        perEntity,
        sampledChunks,
      ],
    );
    return rows.map((row) => ({
      of: { type: row.of_type, key: row.of_key },
      type: row.type,
      key: row.key,
      together: row.together,
      chunks: row.chunks,
    }));
  }

  /**
   * Searchable chunks ranked by the summed weight of the given entities they mention, best first.
   * In two passes (two-pass-ranking.ts), so that an entity half the mission mentions costs no more
   * than a rare one; all mentions of an entity weigh the same, so its first are in chunk id order.
   * `firstPass` reads fewer of an entity's mentions than the default depth (for entities whose weight
   * only adds to others', as a neighbour's does).
   */
  async rankByMentions(
    missionId: string,
    entities: ReadonlyArray<EntityRef & { weight: number; firstPass?: number }>,
    limit: number,
  ): Promise<Array<{ chunkId: string; score: number }>> {
    if (entities.length === 0) return [];
    const { depth, shortlist } = mentionPasses(limit);
    const { rows } = await this.scoped(missionId).query<{ chunk_id: string; score: number }>(
      // e.whole: every mention of the entity is read in the first pass, so what it adds to a
      // candidate's score is known there; only the others are looked up in the second.
      `WITH e AS (
         SELECT e.*, coalesce(s.chunks, 0) <= e.depth AS whole
         FROM unnest($2::text[], $3::text[], $4::float8[], $6::int[]) AS e (type, key, weight, depth)
         LEFT JOIN entity_statistics s ON s.mission_id = $1 AND s.key = e.key AND s.type = e.type
       ),
       candidates AS (
         SELECT m.chunk_id, sum(e.weight) AS score, sum(e.weight) FILTER (WHERE e.whole) AS known
         FROM e CROSS JOIN LATERAL (
           SELECT t.chunk_id FROM chunk_entities t
           WHERE t.mission_id = $1 AND t.key = e.key AND t.type = e.type AND t.searchable
           ORDER BY t.chunk_id LIMIT e.depth
         ) m
         GROUP BY m.chunk_id
         ORDER BY score DESC, m.chunk_id COLLATE "C"
         LIMIT $7
       )
       SELECT c.chunk_id, coalesce(c.known, 0) + coalesce((
           SELECT sum(e.weight) FROM e
           JOIN chunk_entities t ON t.mission_id = $1 AND t.chunk_id = c.chunk_id AND t.type = e.type AND t.key = e.key
           WHERE NOT e.whole
         ), 0) AS score
       FROM candidates c
       ORDER BY score DESC, c.chunk_id COLLATE "C"
       LIMIT $5`,
      [
        missionId,
        entities.map((entity) => entity.type),
        entities.map((entity) => entity.key),
        entities.map((entity) => entity.weight),
        limit,
        entities.map((entity) => Math.min(entity.firstPass ?? depth, depth)),
        shortlist,
      ],
    );
    return rows.map((row) => ({ chunkId: row.chunk_id, score: Number(row.score) }));
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
