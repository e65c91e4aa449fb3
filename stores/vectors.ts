import { toVectorLiteral, type SqlClient } from './sql';

export interface VectorPoint {
  chunkId: string;
  vector: number[];
}

/** Where chunk vectors live: pgvector in the embedded profile, Qdrant in the services profile. */
export interface VectorStore {
  upsert(missionId: string, model: string, points: readonly VectorPoint[]): Promise<void>;
  /** Nearest searchable chunks of the mission by cosine distance, best first. */
  search(
    missionId: string,
    model: string,
    vector: readonly number[],
    limit: number,
  ): Promise<Array<{ chunkId: string; distance: number }>>;
}

/** pgvector: vectors sit on the chunk rows themselves, so a chunk and its vector cannot drift apart. */
export class PgVectorStore implements VectorStore {
  constructor(private readonly sql: SqlClient) {}

  async upsert(missionId: string, model: string, points: readonly VectorPoint[]): Promise<void> {
    if (points.length === 0) return;
    await this.sql.query(
      `UPDATE chunks c SET embedding = v.embedding::vector, embedding_model = $2
       FROM (SELECT unnest($3::text[]) AS chunk_id, unnest($4::text[]) AS embedding) v
       WHERE c.mission_id = $1 AND c.chunk_id = v.chunk_id`,
      [missionId, model, points.map((p) => p.chunkId), points.map((p) => toVectorLiteral(p.vector))],
    );
  }

  async search(
    missionId: string,
    model: string,
    vector: readonly number[],
    limit: number,
  ): Promise<Array<{ chunkId: string; distance: number }>> {
    const { rows } = await this.sql.query<{ chunk_id: string; distance: number }>(
      `SELECT chunk_id, embedding <=> $3::vector AS distance FROM chunks
       WHERE mission_id = $1 AND embedding_model = $2 AND searchable AND embedding IS NOT NULL
       ORDER BY distance, chunk_id LIMIT $4`,
      [missionId, model, toVectorLiteral(vector), limit],
    );
    return rows.map((row) => ({ chunkId: row.chunk_id, distance: Number(row.distance) }));
  }
}
