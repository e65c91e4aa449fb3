import type { SqlExecutor } from './sql';
import { MissionScopedStore } from './document-rows';

/**
 * BM25 over chunks, per mission, in plain PostgreSQL (the same SQL on PGlite and on a server).
 *
 * Each chunk's terms are the lexemes Postgres's text search makes of it (stemmed, stop words
 * dropped, in the cartridge's language), counted with a weight by where they occur: the document's
 * title counts `titleWeight` times, the chunk's heading `headingWeight` times, the body once (a
 * simple BM25F). `chunk_terms` holds one row per (chunk, term) with that weighted frequency and
 * `chunks.term_weight` the chunk's weighted length. At query time the corpus statistics (chunk
 * count, mean length, each query term's document frequency) come from the same tables, so they are
 * always those of the mission as it is now, and any query term may match (a ranked OR).
 *
 *   score(chunk) = sum over query terms t of
 *     idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / meanLength))
 *   idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))
 *
 * Document frequencies count every version's postings, searchable or not (as Lucene counts deleted
 * documents until a merge): superseded versions are cleaned up soon after, and counting them keeps
 * the statistics a cheap index scan.
 */
export const bm25 = { k1: 1.2, b: 0.75, titleWeight: 3, headingWeight: 2 } as const;

/**
 * Writes the postings of the given chunks (already inserted) in the same transaction; idempotent.
 * `title` is the document's title as parsed, which every chunk of the document carries.
 */
export async function indexChunkTerms(
  tx: SqlExecutor,
  missionId: string,
  chunkIds: readonly string[],
  language: string,
  title: string | null,
): Promise<void> {
  if (chunkIds.length === 0) return;
  await tx.query(
    `INSERT INTO chunk_terms (mission_id, chunk_id, term, weight)
     SELECT c.mission_id, c.chunk_id, t.lexeme,
            sum(CASE w WHEN 'A' THEN ${bm25.titleWeight} WHEN 'B' THEN ${bm25.headingWeight} ELSE 1 END)
     FROM chunks c
     CROSS JOIN LATERAL unnest(
       setweight(to_tsvector($3::regconfig, coalesce($4::text, '')), 'A') ||
       setweight(to_tsvector($3::regconfig, coalesce(c.heading, '')), 'B') ||
       to_tsvector($3::regconfig, c.text)) t
     CROSS JOIN LATERAL unnest(t.weights) w
     WHERE c.mission_id = $1 AND c.chunk_id = ANY($2::text[])
     GROUP BY c.mission_id, c.chunk_id, t.lexeme
     ON CONFLICT DO NOTHING`,
    [missionId, chunkIds, language, title],
  );
  await tx.query(
    `UPDATE chunks c SET term_weight = coalesce(
       (SELECT sum(t.weight) FROM chunk_terms t WHERE t.mission_id = c.mission_id AND t.chunk_id = c.chunk_id), 0)
     WHERE c.mission_id = $1 AND c.chunk_id = ANY($2::text[])`,
    [missionId, chunkIds],
  );
}

export interface LexicalCandidate {
  chunkId: string;
  score: number;
}

/** Ranked lexical retrieval: BM25 over the mission's searchable chunks. */
export class LexicalIndex extends MissionScopedStore {
  async search(
    missionId: string,
    query: string,
    language: string,
    limit: number,
  ): Promise<LexicalCandidate[]> {
    const sql = this.scoped(missionId);
    // The question's terms first, as a value of their own: given them as a parameter, the planner
    // reads only their postings through the (mission_id, term) index, whatever it believes of the
    // tables' sizes. Computed in the same statement, they were an unknown set to it, and with
    // statistics it chose to hash-join every posting of the mission to its chunk (a mission of
    // 10,000 chunks: 760 ms a question on PGlite, against 35 ms; npm run bench:search).
    const { rows: termRows } = await sql.query<{ terms: string[] | null }>(
      'SELECT array_agg(DISTINCT lexeme) AS terms FROM unnest(to_tsvector($1::regconfig, $2))',
      [language, query],
    );
    const terms = termRows[0]?.terms ?? [];
    if (terms.length === 0) return [];
    const { rows } = await sql.query<{ chunk_id: string; score: number }>(
      `WITH corpus AS (
         SELECT count(*)::float8 AS n, coalesce(avg(term_weight), 1)::float8 AS mean_length
         FROM chunks WHERE mission_id = $1 AND searchable AND term_weight IS NOT NULL
       ),
       term_idf AS (
         SELECT t.term, ln(1 + greatest(corpus.n - count(*) + 0.5, 0) / (count(*) + 0.5)) AS idf
         FROM chunk_terms t CROSS JOIN corpus
         WHERE t.mission_id = $1 AND t.term = ANY($2::text[])
         GROUP BY t.term, corpus.n
       )
       SELECT t.chunk_id,
              sum(i.idf * t.weight * ($4::float8 + 1)
                  / (t.weight + $4::float8 * (1 - $5::float8 + $5::float8 * c.term_weight / nullif(corpus.mean_length, 0)))) AS score
       FROM chunk_terms t
       JOIN term_idf i ON i.term = t.term
       JOIN chunks c ON c.mission_id = t.mission_id AND c.chunk_id = t.chunk_id
       CROSS JOIN corpus
       WHERE t.mission_id = $1 AND t.term = ANY($2::text[]) AND c.searchable
       GROUP BY t.chunk_id
       ORDER BY score DESC, t.chunk_id
       LIMIT $3`,
      [missionId, terms, limit, bm25.k1, bm25.b],
    );
    return rows
      .map((row) => ({ chunkId: row.chunk_id, score: Number(row.score) }))
      .filter((candidate) => Number.isFinite(candidate.score) && candidate.score > 0);
  }
}
