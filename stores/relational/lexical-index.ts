import type { SqlExecutor } from './sql';
import { MissionScopedStore } from './document-rows';
import { termPasses } from './two-pass-ranking';

/**
 * BM25 over chunks, per mission, in plain PostgreSQL (the same SQL on PGlite and on a server).
 *
 * Each chunk's terms are the lexemes Postgres's text search makes of it (stemmed, stop words
 * dropped, in the cartridge's language), counted with a weight by where they occur: the document's
 * title counts `titleWeight` times, the chunk's heading `headingWeight` times, the body once (a
 * simple BM25F). `chunk_terms` holds one row per (chunk, term) with that weighted frequency, the
 * chunk's weighted length, and whether the chunk is searchable (searchable-chunks.ts keeps that
 * flag and the mission's statistics: chunk count, mean length, each term's document frequency).
 *
 *   score(chunk) = sum over query terms t of
 *     idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / meanLength))
 *   idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5))
 *
 * A question is answered in two passes (two-pass-ranking.ts): a term's postings are read best first
 * by their `impact` (the saturated frequency below, as of when the chunk was indexed) from a partial
 * index of searchable chunks. Results are exact BM25 unless a query term is in more chunks than the
 * first pass reads; then a chunk is missed only if that term would have lifted it into the
 * shortlist, and its part of any score is at most its idf (low, for so common a term) times the
 * impact at that depth. npm run bench:search measures the overlap with exhaustive BM25.
 */
export const bm25 = { k1: 1.2, b: 0.75, titleWeight: 3, headingWeight: 2 } as const;

/**
 * BM25's saturated term frequency as SQL: how much a term occurring `tf` times (weighted) counts in
 * a chunk of `length` where chunks are `meanLength` long on average. Times the term's idf, a
 * chunk's score for that term. A mission's first chunks have no mean yet: they count as average.
 */
export function saturatedFrequencySql(tf: string, length: string, meanLength: string): string {
  const { k1, b } = bm25;
  return `(${tf} * ${k1 + 1} / (${tf} + ${k1} * (1 - ${b} + ${b} * ${length} / greatest(coalesce(${meanLength}, ${length}), 1e-9))))`;
}

/** The mission's mean chunk length, as SQL over `corpus_statistics` (null before its first chunk). */
const meanLengthSql = `(SELECT total_length / nullif(chunks, 0) FROM corpus_statistics WHERE mission_id = $1)`;

/**
 * Writes the postings of the given chunks (just inserted, so not searchable yet) and their lengths
 * in the same transaction; idempotent. `title` is the document's title as parsed, which every chunk
 * of the document carries.
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
    `WITH postings AS (
       SELECT c.chunk_id, t.lexeme AS term,
              sum(CASE w WHEN 'A' THEN ${bm25.titleWeight} WHEN 'B' THEN ${bm25.headingWeight} ELSE 1 END) AS weight
       FROM chunks c
       CROSS JOIN LATERAL unnest(
         setweight(to_tsvector($3::regconfig, coalesce($4::text, '')), 'A') ||
         setweight(to_tsvector($3::regconfig, coalesce(c.heading, '')), 'B') ||
         to_tsvector($3::regconfig, c.text)) t
       CROSS JOIN LATERAL unnest(t.weights) w
       WHERE c.mission_id = $1 AND c.chunk_id = ANY($2::text[]) AND NOT c.searchable
       GROUP BY c.chunk_id, t.lexeme
     ),
     lengths AS (SELECT chunk_id, sum(weight) AS length FROM postings GROUP BY chunk_id),
     measured AS (
       UPDATE chunks c SET term_weight = l.length FROM lengths l
       WHERE c.mission_id = $1 AND c.chunk_id = l.chunk_id
     )
     INSERT INTO chunk_terms (mission_id, chunk_id, term, weight, chunk_length, impact)
     SELECT $1, p.chunk_id, p.term, p.weight, l.length,
            ${saturatedFrequencySql('p.weight', 'l.length', meanLengthSql)}
     FROM postings p JOIN lengths l ON l.chunk_id = p.chunk_id
     ON CONFLICT DO NOTHING`,
    [missionId, chunkIds, language, title],
  );
  // A chunk with no terms at all (only stop words) still has a length: zero.
  await tx.query(
    `UPDATE chunks SET term_weight = 0
     WHERE mission_id = $1 AND chunk_id = ANY($2::text[]) AND term_weight IS NULL`,
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
    // reads only their postings through the index, whatever it believes of the tables' sizes.
    const { rows: termRows } = await sql.query<{ terms: string[] | null }>(
      'SELECT array_agg(DISTINCT lexeme) AS terms FROM unnest(to_tsvector($1::regconfig, $2))',
      [language, query],
    );
    const terms = termRows[0]?.terms ?? [];
    if (terms.length === 0) return [];
    const { depth, shortlist } = termPasses(limit);
    const contribution = (tf: string, length: string) =>
      `q.idf * ${saturatedFrequencySql(tf, length, 'corpus.mean_length')}`;
    const { rows } = await sql.query<{ chunk_id: string; score: number }>(
      // q.whole: every posting of the term is read in the first pass, so what it adds to a
      // candidate's score is known there; only the others are looked up in the second.
      `WITH corpus AS (
         SELECT chunks::float8 AS n, total_length / nullif(chunks, 0) AS mean_length
         FROM corpus_statistics WHERE mission_id = $1
       ),
       q AS (
         SELECT s.term, ln(1 + greatest(corpus.n - s.chunks + 0.5, 0) / (s.chunks + 0.5)) AS idf,
                s.chunks <= $4 AS whole
         FROM term_statistics s CROSS JOIN corpus
         WHERE s.mission_id = $1 AND s.term = ANY($2::text[]) AND s.chunks > 0
       ),
       candidates AS (
         SELECT p.chunk_id, sum(${contribution('p.weight', 'p.chunk_length')}) AS score,
                sum(${contribution('p.weight', 'p.chunk_length')}) FILTER (WHERE q.whole) AS known
         FROM q CROSS JOIN corpus CROSS JOIN LATERAL (
           SELECT t.chunk_id, t.weight, t.chunk_length FROM chunk_terms t
           WHERE t.mission_id = $1 AND t.term = q.term AND t.searchable
           ORDER BY t.impact DESC LIMIT $4
         ) p
         GROUP BY p.chunk_id
         ORDER BY score DESC, p.chunk_id
         LIMIT $5
       )
       SELECT c.chunk_id, coalesce(c.known, 0) + coalesce((
           SELECT sum(${contribution('t.weight', 't.chunk_length')})
           FROM q CROSS JOIN corpus
           JOIN chunk_terms t ON t.mission_id = $1 AND t.term = q.term AND t.chunk_id = c.chunk_id
           WHERE NOT q.whole
         ), 0) AS score
       FROM candidates c
       ORDER BY score DESC, c.chunk_id
       LIMIT $3`,
      [missionId, terms, limit, depth, shortlist],
    );
    return rows
      .map((row) => ({ chunkId: row.chunk_id, score: Number(row.score) }))
      .filter((candidate) => Number.isFinite(candidate.score) && candidate.score > 0);
  }
}
