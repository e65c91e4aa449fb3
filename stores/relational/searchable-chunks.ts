import { saturatedFrequencySql } from './lexical-index';
import type { SqlExecutor } from './sql';

/**
 * Which chunks search may return, kept in one place with everything search reads about them.
 *
 * A chunk is searchable while its content version is the document's indexed one. Search reads the
 * chunk's BM25 postings (`chunk_terms`) and entity mentions (`chunk_entities`) without going back to
 * `chunks` for each: at 100,000 chunks, a join from every posting of a common word to its chunk cost
 * more than a second a question. So each posting and mention carries its chunk's `searchable` flag
 * (partial indexes hold only the searchable ones), and the statistics BM25 and the graph strategy
 * need are counters kept here, in the same transaction as the flag:
 *
 * - `corpus_statistics`: per mission, the searchable chunks with postings and their summed length;
 * - `term_statistics`: per mission and term, the searchable chunks it occurs in (its document
 *   frequency);
 * - `entity_statistics`: per mission and entity, the searchable chunks that mention it.
 *
 * Counters are updated in a fixed order (terms by term, entities by key, then the corpus row), so
 * concurrent transactions on one PostgreSQL wait for each other and never deadlock.
 */

/** Tables of migration 12 every row of which belongs to one mission (row-level security). */
export const statisticsTables = ['corpus_statistics', 'term_statistics', 'entity_statistics'] as const;

/**
 * Makes `contentVersion` the document's searchable version (null: none of them), its postings,
 * mentions and the mission's statistics with it. Runs in the caller's transaction, which is scoped
 * to the mission. Answers how many chunks changed.
 */
export async function setSearchableVersion(
  tx: SqlExecutor,
  missionId: string,
  documentId: string,
  contentVersion: number | null,
): Promise<number> {
  const { rows } = await tx.query<{ chunk_id: string; searchable: boolean; term_weight: number | null }>(
    `UPDATE chunks SET searchable = coalesce(content_version = $3::int, false)
     WHERE mission_id = $1 AND document_id = $2 AND searchable IS DISTINCT FROM coalesce(content_version = $3::int, false)
     RETURNING chunk_id, searchable, term_weight`,
    [missionId, documentId, contentVersion],
  );
  if (rows.length === 0) return 0;
  const changed = [rows.map((row) => row.chunk_id), rows.map((row) => row.searchable)];
  await tx.query(
    `WITH changed AS (SELECT * FROM unnest($2::text[], $3::bool[]) AS x (chunk_id, searchable)),
     flipped AS (
       UPDATE chunk_terms t SET searchable = x.searchable FROM changed x
       WHERE t.mission_id = $1 AND t.chunk_id = x.chunk_id AND t.searchable <> x.searchable
       RETURNING t.term, t.searchable
     )
     INSERT INTO term_statistics (mission_id, term, chunks)
     SELECT $1, term, sum(CASE WHEN searchable THEN 1 ELSE -1 END) FROM flipped
     GROUP BY term ORDER BY term COLLATE "C"
     ON CONFLICT (mission_id, term) DO UPDATE SET chunks = term_statistics.chunks + excluded.chunks`,
    [missionId, ...changed],
  );
  await tx.query(
    `WITH changed AS (SELECT * FROM unnest($2::text[], $3::bool[]) AS x (chunk_id, searchable)),
     flipped AS (
       UPDATE chunk_entities t SET searchable = x.searchable FROM changed x
       WHERE t.mission_id = $1 AND t.chunk_id = x.chunk_id AND t.searchable <> x.searchable
       RETURNING t.key, t.type, t.name, t.searchable
     )
     ${countMentionsSql('flipped')}`,
    [missionId, ...changed],
  );
  const indexed = rows.filter((row) => row.term_weight !== null);
  if (indexed.length > 0) {
    const sign = (row: { searchable: boolean }) => (row.searchable ? 1 : -1);
    await tx.query(
      `INSERT INTO corpus_statistics (mission_id, chunks, total_length) VALUES ($1, $2, $3)
       ON CONFLICT (mission_id) DO UPDATE SET chunks = corpus_statistics.chunks + excluded.chunks,
         total_length = corpus_statistics.total_length + excluded.total_length`,
      [
        missionId,
        indexed.reduce((sum, row) => sum + sign(row), 0),
        indexed.reduce((sum, row) => sum + sign(row) * Number(row.term_weight), 0),
      ],
    );
  }
  return rows.length;
}

/**
 * The statement that adds the mentions of `source` (a CTE with key, type, name and searchable) to
 * `entity_statistics`, searchable ones counting +1 and others -1. The mission is `$1`.
 */
export function countMentionsSql(source: string): string {
  return `INSERT INTO entity_statistics (mission_id, key, type, name, chunks)
     SELECT $1, key, type, min(name), sum(CASE WHEN searchable THEN 1 ELSE -1 END) FROM ${source}
     GROUP BY key, type ORDER BY key COLLATE "C", type COLLATE "C"
     ON CONFLICT (mission_id, key, type) DO UPDATE SET chunks = entity_statistics.chunks + excluded.chunks`;
}

/**
 * Migration 12: the flags, the statistics from the rows as they are, and the partial indexes (the
 * postings' one carries what BM25 reads, so that it is read from the index alone where the table is
 * vacuumed: about half the time of a question at 100,000 chunks on PGlite). Row
 * security is lifted for the owner while the existing rows are rewritten (the migration runs as the
 * schema owner, outside any mission) and forced again after.
 */
export const searchableChunksMigrationSql = `
  ALTER TABLE chunks NO FORCE ROW LEVEL SECURITY;
  ALTER TABLE chunk_terms NO FORCE ROW LEVEL SECURITY;
  ALTER TABLE chunk_entities NO FORCE ROW LEVEL SECURITY;
  ALTER TABLE chunk_terms ADD COLUMN searchable boolean NOT NULL DEFAULT false;
  ALTER TABLE chunk_terms ADD COLUMN chunk_length real NOT NULL DEFAULT 0;
  ALTER TABLE chunk_terms ADD COLUMN impact real NOT NULL DEFAULT 0;
  ALTER TABLE chunk_entities ADD COLUMN searchable boolean NOT NULL DEFAULT false;
  CREATE TABLE corpus_statistics (
    mission_id text PRIMARY KEY,
    chunks integer NOT NULL,
    total_length float8 NOT NULL
  );
  CREATE TABLE term_statistics (
    mission_id text NOT NULL,
    term text NOT NULL,
    chunks integer NOT NULL,
    PRIMARY KEY (mission_id, term)
  );
  CREATE TABLE entity_statistics (
    mission_id text NOT NULL,
    key text NOT NULL,
    type text NOT NULL,
    name text NOT NULL,
    chunks integer NOT NULL,
    PRIMARY KEY (mission_id, key, type)
  );
  INSERT INTO corpus_statistics (mission_id, chunks, total_length)
    SELECT mission_id, count(*), sum(term_weight) FROM chunks
    WHERE searchable AND term_weight IS NOT NULL GROUP BY mission_id;
  UPDATE chunk_terms t SET searchable = c.searchable, chunk_length = c.term_weight,
      impact = ${saturatedFrequencySql('t.weight', 'c.term_weight', 's.total_length / nullif(s.chunks, 0)')}
    FROM chunks c LEFT JOIN corpus_statistics s ON s.mission_id = c.mission_id
    WHERE c.mission_id = t.mission_id AND c.chunk_id = t.chunk_id AND c.term_weight IS NOT NULL;
  UPDATE chunk_entities t SET searchable = true FROM chunks c
    WHERE c.mission_id = t.mission_id AND c.chunk_id = t.chunk_id AND c.searchable;
  INSERT INTO term_statistics (mission_id, term, chunks)
    SELECT mission_id, term, count(*) FROM chunk_terms WHERE searchable GROUP BY mission_id, term;
  INSERT INTO entity_statistics (mission_id, key, type, name, chunks)
    SELECT mission_id, key, type, min(name), count(*) FROM chunk_entities WHERE searchable
    GROUP BY mission_id, key, type;
  CREATE INDEX chunk_terms_by_impact ON chunk_terms (mission_id, term, impact DESC)
    INCLUDE (chunk_id, weight, chunk_length) WHERE searchable;
  CREATE INDEX chunk_entities_searchable ON chunk_entities (mission_id, key, type, chunk_id) WHERE searchable;
  DROP INDEX chunk_entities_by_key;
  ALTER TABLE chunks FORCE ROW LEVEL SECURITY;
  ALTER TABLE chunk_terms FORCE ROW LEVEL SECURITY;
  ALTER TABLE chunk_entities FORCE ROW LEVEL SECURITY
`;
