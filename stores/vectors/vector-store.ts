import { indexedDimensions } from '../relational/migrations';
import { toVectorLiteral, type SqlClient } from '../relational/sql';

/** One chunk's vector, keyed like the chunk itself (mission, document, content version, index). */
export interface VectorPoint {
  chunkId: string;
  documentId: string;
  contentVersion: number;
  chunkIndex: number;
  vector: number[];
  /** sha256 of the text the vector was made from (activities/chunk.ts), so identical text can reuse it. */
  contentHash?: string;
}

/** A chunk waiting for its vector, with the hash of the text it would be embedded from. */
export type PendingChunk = Omit<VectorPoint, 'vector' | 'contentHash'> & { contentHash: string };

export interface VectorCandidate {
  chunkId: string;
  distance: number;
}

/**
 * Where chunk vectors live: pgvector in the embedded profile, Qdrant in the services profile.
 * Whether a chunk may be *returned* is decided by the relational store (its `searchable` flag):
 * candidates from here are always re-checked there, so a version swap is atomic for search.
 */
export interface VectorStore {
  /** Idempotent: the same point written twice leaves one vector. */
  upsert(missionId: string, model: string, points: readonly VectorPoint[]): Promise<void>;
  /** Nearest chunks of the mission by cosine distance, best first. */
  search(
    missionId: string,
    model: string,
    vector: readonly number[],
    limit: number,
  ): Promise<VectorCandidate[]>;
  /** Drops the document's vectors: every content version, or every one but `exceptContentVersion`. */
  removeDocument(
    missionId: string,
    documentId: string,
    options?: { exceptContentVersion?: number },
  ): Promise<void>;
  /**
   * Gives chunks the vector another chunk of the mission with the same heading and text already has
   * from `model` (of `dimensions`), so unchanged text (a new version of a document, a repeated
   * boilerplate) is not embedded again. Answers the chunks that got one. Optional: a store without
   * it embeds everything.
   */
  reuseByContent?(
    missionId: string,
    model: string,
    dimensions: number,
    chunks: readonly PendingChunk[],
  ): Promise<string[]>;
  /** Resolves when the backing service answers (for readiness); rejects saying why it does not. */
  ping(): Promise<void>;
  close?(): Promise<void>;
}

/** pgvector: vectors sit on the chunk rows themselves, so a chunk and its vector cannot drift apart. */
export class PgVectorStore implements VectorStore {
  constructor(private readonly sql: SqlClient) {}

  async upsert(missionId: string, model: string, points: readonly VectorPoint[]): Promise<void> {
    if (points.length === 0) return;
    await this.sql.inMission(missionId, (tx) =>
      tx.query(
        `UPDATE chunks c SET embedding = v.embedding::vector, embedding_model = $2
         FROM (SELECT unnest($3::text[]) AS chunk_id, unnest($4::text[]) AS embedding) v
         WHERE c.mission_id = $1 AND c.chunk_id = v.chunk_id`,
        [missionId, model, points.map((p) => p.chunkId), points.map((p) => toVectorLiteral(p.vector))],
      ),
    );
  }

  async search(
    missionId: string,
    model: string,
    vector: readonly number[],
    limit: number,
  ): Promise<VectorCandidate[]> {
    const literal = toVectorLiteral(vector);
    const { rows } = await this.sql.inMission(missionId, async (tx) => {
      if (vector.length !== indexedDimensions) {
        return tx.query<{ chunk_id: string; distance: number }>(
          `SELECT chunk_id, embedding <=> $3::vector AS distance FROM chunks
           WHERE mission_id = $1 AND embedding_model = $2 AND searchable AND embedding IS NOT NULL
           ORDER BY distance, chunk_id LIMIT $4`,
          [missionId, model, literal, limit],
        );
      }
      // The HNSW index of migration 11, walked until enough rows of this mission and model pass
      // (iterative scan, in distance order), with a search list wide enough for the pool asked.
      await tx.query(`SELECT set_config('hnsw.iterative_scan', 'strict_order', true)`);
      await tx.query(`SELECT set_config('hnsw.ef_search', $1, true)`, [
        String(Math.min(1000, Math.max(100, limit * 2))),
      ]);
      return tx.query<{ chunk_id: string; distance: number }>(
        `SELECT chunk_id, embedding::vector(${indexedDimensions}) <=> $3::vector(${indexedDimensions}) AS distance
         FROM chunks
         WHERE vector_dims(embedding) = ${indexedDimensions}
           AND mission_id = $1 AND embedding_model = $2 AND searchable
         ORDER BY embedding::vector(${indexedDimensions}) <=> $3::vector(${indexedDimensions})
         LIMIT $4`,
        [missionId, model, literal, limit],
      );
    });
    return rows.map((row) => ({ chunkId: row.chunk_id, distance: Number(row.distance) }));
  }

  /** Compares the chunk rows' own heading and text (md5-indexed): the hashes are not needed here. */
  async reuseByContent(
    missionId: string,
    model: string,
    _dimensions: number,
    chunks: readonly PendingChunk[],
  ): Promise<string[]> {
    if (chunks.length === 0) return [];
    const chunkIds = chunks.map((chunk) => chunk.chunkId);
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<{ chunk_id: string }>(
        `WITH source AS (
           SELECT DISTINCT ON (t.chunk_id) t.chunk_id, s.embedding
           FROM chunks t
           JOIN chunks s ON s.mission_id = t.mission_id AND md5(s.text) = md5(t.text)
             AND s.text = t.text AND s.heading IS NOT DISTINCT FROM t.heading AND s.chunk_id <> t.chunk_id
           WHERE t.mission_id = $1 AND t.chunk_id = ANY($3::text[])
             AND s.embedding_model = $2 AND s.embedding IS NOT NULL
           ORDER BY t.chunk_id, s.chunk_id
         )
         UPDATE chunks c SET embedding = source.embedding, embedding_model = $2
         FROM source WHERE c.mission_id = $1 AND c.chunk_id = source.chunk_id
         RETURNING c.chunk_id`,
        [missionId, model, chunkIds],
      ),
    );
    return rows.map((row) => row.chunk_id);
  }

  async removeDocument(
    missionId: string,
    documentId: string,
    options: { exceptContentVersion?: number } = {},
  ): Promise<void> {
    await this.sql.inMission(missionId, (tx) =>
      tx.query(
        `UPDATE chunks SET embedding = NULL, embedding_model = NULL
         WHERE mission_id = $1 AND document_id = $2 AND content_version IS DISTINCT FROM $3
           AND embedding_model IS NOT NULL`,
        [missionId, documentId, options.exceptContentVersion ?? null],
      ),
    );
  }

  /** The vectors live in the relational database: it answering is the vector store answering. */
  async ping(): Promise<void> {
    await this.sql.query('SELECT 1');
  }
}
