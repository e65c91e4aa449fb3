import type { Chunk } from '../../domain/chunking';
import { MissionScopedStore } from './document-rows';
import { indexChunkTerms } from './lexical-index';
import { filterConditions } from './search-filters';
import type { SearchFilters } from '../../domain/search';

export interface StoredChunk {
  chunkId: string;
  documentId: string;
  chunkIndex: number;
  text: string;
  heading: string | null;
  title: string | null;
}

/** Chunks of each content version, their full-text vectors, and lexical search over them. */
export class ChunkStore extends MissionScopedStore {
  /**
   * Writes chunks with their full-text vectors and BM25 postings (lexical-index.ts) in multi-row
   * statements; keyed by (mission, document, content version, index) so a retried step inserts
   * nothing twice. `title` is the parsed title: it weighs in every chunk's terms, and becomes the
   * document's title where the client gave none.
   */
  async insertChunks(
    missionId: string,
    documentId: string,
    contentVersion: number,
    chunks: readonly Chunk[],
    options: { language: string; title: string | null },
  ): Promise<void> {
    const { language, title } = options;
    const batchSize = 200;
    await this.sql.inMission(missionId, async (tx) => {
      if (title) {
        await tx.query(
          'UPDATE documents SET title = $3 WHERE mission_id = $1 AND document_id = $2 AND title IS NULL',
          [missionId, documentId, title],
        );
      }
      for (let start = 0; start < chunks.length; start += batchSize) {
        const batch = chunks.slice(start, start + batchSize);
        const params: unknown[] = [missionId, documentId, contentVersion];
        const values = batch.map((chunk) => {
          params.push(
            chunk.index,
            chunkIdFor(documentId, contentVersion, chunk.index),
            chunk.heading,
            chunk.text,
          );
          const n = params.length;
          return `($1, $2, $3, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
        });
        await tx.query(
          `INSERT INTO chunks (mission_id, document_id, content_version, chunk_index, chunk_id, heading, text)
           VALUES ${values.join(', ')}
           ON CONFLICT DO NOTHING`,
          params,
        );
        const chunkIds = batch.map((chunk) => chunkIdFor(documentId, contentVersion, chunk.index));
        await indexChunkTerms(tx, missionId, chunkIds, language, title);
      }
    });
  }

  async countChunks(missionId: string, documentId: string, contentVersion: number): Promise<number> {
    const { rows } = await this.scoped(missionId).query<{ n: number }>(
      'SELECT count(*)::int AS n FROM chunks WHERE mission_id = $1 AND document_id = $2 AND content_version = $3',
      [missionId, documentId, contentVersion],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Chunks not yet embedded by `model`, in index order, so embedding resumes where it stopped.
   * `embedding_model` records that the vector store holds the chunk's vector, wherever it lives.
   */
  async chunksToEmbed(
    missionId: string,
    documentId: string,
    contentVersion: number,
    model: string,
    limit: number,
  ): Promise<Array<{ chunkId: string; chunkIndex: number; text: string; heading: string | null }>> {
    const { rows } = await this.scoped(missionId).query<{
      chunk_id: string;
      chunk_index: number;
      text: string;
      heading: string | null;
    }>(
      `SELECT chunk_id, chunk_index, text, heading FROM chunks
       WHERE mission_id = $1 AND document_id = $2 AND content_version = $3
         AND embedding_model IS DISTINCT FROM $4
       ORDER BY chunk_index LIMIT $5`,
      [missionId, documentId, contentVersion, model, limit],
    );
    return rows.map((row) => ({
      chunkId: row.chunk_id,
      chunkIndex: row.chunk_index,
      text: row.text,
      heading: row.heading,
    }));
  }

  /** Records that the vector store now holds these chunks' vectors from `model`. */
  async markEmbedded(missionId: string, chunkIds: readonly string[], model: string): Promise<void> {
    if (chunkIds.length === 0) return;
    await this.scoped(missionId).query(
      `UPDATE chunks SET embedding_model = $3
       WHERE mission_id = $1 AND chunk_id = ANY($2::text[]) AND embedding_model IS DISTINCT FROM $3`,
      [missionId, chunkIds, model],
    );
  }

  /** Every chunk of one content version, in order: what the entity extractors read. */
  async chunkTexts(
    missionId: string,
    documentId: string,
    contentVersion: number,
  ): Promise<Array<{ chunkIndex: number; text: string }>> {
    const { rows } = await this.scoped(missionId).query<{ chunk_index: number; text: string }>(
      `SELECT chunk_index, text FROM chunks WHERE mission_id = $1 AND document_id = $2 AND content_version = $3
       ORDER BY chunk_index`,
      [missionId, documentId, contentVersion],
    );
    return rows.map((row) => ({ chunkIndex: row.chunk_index, text: row.text }));
  }

  /**
   * Searchable chunks by id, with their document title, for search results; with `filters`, only
   * chunks of documents that match them all (./search-filters.ts).
   */
  async chunksById(
    missionId: string,
    chunkIds: readonly string[],
    filters?: SearchFilters,
  ): Promise<Map<string, StoredChunk>> {
    if (chunkIds.length === 0) return new Map();
    const conditions = filterConditions(filters, 3);
    const { rows } = await this.scoped(missionId).query<{
      chunk_id: string;
      document_id: string;
      chunk_index: number;
      text: string;
      heading: string | null;
      title: string | null;
    }>(
      `SELECT c.chunk_id, c.document_id, c.chunk_index, c.text, c.heading, d.title
       FROM chunks c JOIN documents d ON d.mission_id = c.mission_id AND d.document_id = c.document_id
       WHERE c.mission_id = $1 AND c.chunk_id = ANY($2::text[]) AND c.searchable
         ${conditions.sql.map((condition) => `AND ${condition}`).join(' ')}`,
      [missionId, chunkIds, ...conditions.params],
    );
    return new Map(
      rows.map((row) => [
        row.chunk_id,
        {
          chunkId: row.chunk_id,
          documentId: row.document_id,
          chunkIndex: row.chunk_index,
          text: row.text,
          heading: row.heading,
          title: row.title,
        },
      ]),
    );
  }
}

export function chunkIdFor(documentId: string, contentVersion: number, chunkIndex: number): string {
  return `${documentId}:${contentVersion}:${chunkIndex}`;
}
