import { saturatedFrequencySql } from '../../stores/relational/lexical-index';
import type { SearchBenchPlatform } from './platform';

/**
 * BM25 over every searchable posting of the question's terms, in one pass: the exact ranking the
 * lexical index's two passes approximate when a term is very common (stores/relational/
 * lexical-index.ts), with the same statistics and formula. The benchmark's baseline only.
 */
export async function exhaustiveBm25(
  bench: SearchBenchPlatform,
  question: string,
  limit: number,
): Promise<string[]> {
  const language = bench.cartridge.search.language;
  const { rows } = await bench.stores.sql.inMission(bench.missionId, (tx) =>
    tx.query<{ chunk_id: string }>(
      `WITH corpus AS (
         SELECT chunks::float8 AS n, total_length / nullif(chunks, 0) AS mean_length
         FROM corpus_statistics WHERE mission_id = $1
       ),
       q AS (
         SELECT s.term, ln(1 + greatest(corpus.n - s.chunks + 0.5, 0) / (s.chunks + 0.5)) AS idf
         FROM term_statistics s CROSS JOIN corpus
         WHERE s.mission_id = $1 AND s.chunks > 0
           AND s.term IN (SELECT lexeme FROM unnest(to_tsvector($2::regconfig, $3)))
       )
       SELECT t.chunk_id,
              sum(q.idf * ${saturatedFrequencySql('t.weight', 't.chunk_length', 'corpus.mean_length')}) AS score
       FROM q CROSS JOIN corpus
       JOIN chunk_terms t ON t.mission_id = $1 AND t.term = q.term AND t.searchable
       GROUP BY t.chunk_id
       ORDER BY score DESC, t.chunk_id
       LIMIT $4`,
      [bench.missionId, language, question, limit],
    ),
  );
  return rows.map((row) => row.chunk_id);
}
