import {
  checkContentVersion,
  checkDepth,
  checkDocumentId,
  checkLimit,
  checkMissionId,
  normaliseEntityQuery,
  prepareDocumentGraph,
  type DocumentGraph,
  type EntityQuery,
  type GraphEntity,
  type GraphStore,
  type NeighborEntity,
} from './graph-store';
import type { SqlClient, SqlExecutor } from '../relational/sql';

/** The graph's mission tables, for the row-level security policies (missionIsolationSql). */
export const graphTables = ['entities', 'entity_mentions', 'entity_edges'] as const;

/**
 * The entity graph's tables (embedded profile, or any PostgreSQL). Each document version's
 * contribution is its own rows, so replacing or removing one document touches nothing else:
 * - entities: one row per (mission, type, key); deleted when no mention row is left.
 * - entity_mentions: how many chunks of one document version mention the entity.
 * - entity_edges: co-occurrence of two entities in one document version, stored once per unordered
 *   pair (from_id < to_id, byte order) and traversed both ways.
 * Registered as a migration in stores/relational/migrations.ts, with missionIsolationSql for each of
 * `graphTables`; no semicolons inside literals, statements split on ';'.
 */
export const graphTablesSql = `
  CREATE TABLE entities (
    mission_id text NOT NULL,
    entity_id text NOT NULL,
    type text NOT NULL,
    key text NOT NULL,
    name text NOT NULL,
    PRIMARY KEY (mission_id, entity_id),
    UNIQUE (mission_id, type, key)
  );

  CREATE TABLE entity_mentions (
    mission_id text NOT NULL,
    entity_id text NOT NULL,
    document_id text NOT NULL,
    content_version integer NOT NULL,
    mentions integer NOT NULL,
    PRIMARY KEY (mission_id, entity_id, document_id, content_version),
    FOREIGN KEY (mission_id, entity_id) REFERENCES entities (mission_id, entity_id) ON DELETE CASCADE
  );
  CREATE INDEX entity_mentions_by_document ON entity_mentions (mission_id, document_id, content_version);

  CREATE TABLE entity_edges (
    mission_id text NOT NULL,
    from_id text NOT NULL,
    to_id text NOT NULL,
    document_id text NOT NULL,
    content_version integer NOT NULL,
    weight integer NOT NULL,
    PRIMARY KEY (mission_id, from_id, to_id, document_id, content_version),
    CHECK (from_id < to_id COLLATE "C"),
    FOREIGN KEY (mission_id, from_id) REFERENCES entities (mission_id, entity_id) ON DELETE CASCADE,
    FOREIGN KEY (mission_id, to_id) REFERENCES entities (mission_id, entity_id) ON DELETE CASCADE
  );
  CREATE INDEX entity_edges_by_to ON entity_edges (mission_id, to_id, from_id);
  CREATE INDEX entity_edges_by_document ON entity_edges (mission_id, document_id, content_version)
`;

/** Mentions summed per entity; a correlated subquery so it runs only for the rows returned. */
const entityColumns = `e.entity_id, e.type, e.key, e.name,
  (SELECT COALESCE(sum(m.mentions), 0) FROM entity_mentions m
   WHERE m.mission_id = e.mission_id AND m.entity_id = e.entity_id)::integer AS mentions`;

/** Byte order, as in JavaScript and Neo4j, whatever the database's collation. */
const entityOrder = 'mentions DESC, e.type COLLATE "C", e.key COLLATE "C", e.entity_id COLLATE "C"';

interface EntityRow {
  entity_id: string;
  type: string;
  key: string;
  name: string;
  mentions: number;
}

/**
 * The graph in SQL: bulk writes as one multi-row statement per table (arrays unnested), traversal as
 * a recursive CTE bounded by depth. Every statement filters by mission and runs inside
 * `sql.inMission`, which row-level security checks.
 */
export class SqlGraphStore implements GraphStore {
  constructor(private readonly sql: SqlClient) {}

  async upsertDocument(missionId: string, graph: DocumentGraph): Promise<void> {
    const prepared = prepareDocumentGraph(missionId, graph);
    const { documentId, contentVersion, entities, edges } = prepared;
    await this.sql.inMission(missionId, async (tx) => {
      const { rows: previous } = await tx.query<{ entity_id: string }>(
        `DELETE FROM entity_mentions WHERE mission_id = $1 AND document_id = $2 AND content_version = $3
         RETURNING entity_id`,
        [missionId, documentId, contentVersion],
      );
      await tx.query(
        'DELETE FROM entity_edges WHERE mission_id = $1 AND document_id = $2 AND content_version = $3',
        [missionId, documentId, contentVersion],
      );
      if (entities.length > 0) {
        // The first name written wins, in Neo4j too: a later document does not rename an entity.
        await tx.query(
          `INSERT INTO entities (mission_id, entity_id, type, key, name)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
           ON CONFLICT (mission_id, entity_id) DO NOTHING`,
          [
            missionId,
            entities.map((e) => e.entityId),
            entities.map((e) => e.type),
            entities.map((e) => e.key),
            entities.map((e) => e.name),
          ],
        );
        await tx.query(
          `INSERT INTO entity_mentions (mission_id, entity_id, document_id, content_version, mentions)
           SELECT $1, entity_id, $2, $3, mentions FROM unnest($4::text[], $5::integer[]) AS m (entity_id, mentions)
           ON CONFLICT (mission_id, entity_id, document_id, content_version)
           DO UPDATE SET mentions = EXCLUDED.mentions`,
          [
            missionId,
            documentId,
            contentVersion,
            entities.map((e) => e.entityId),
            entities.map((e) => e.mentions),
          ],
        );
      }
      if (edges.length > 0) {
        await tx.query(
          `INSERT INTO entity_edges (mission_id, from_id, to_id, document_id, content_version, weight)
           SELECT $1, from_id, to_id, $2, $3, weight
           FROM unnest($4::text[], $5::text[], $6::integer[]) AS e (from_id, to_id, weight)
           ON CONFLICT (mission_id, from_id, to_id, document_id, content_version)
           DO UPDATE SET weight = EXCLUDED.weight`,
          [
            missionId,
            documentId,
            contentVersion,
            edges.map((e) => e.fromId),
            edges.map((e) => e.toId),
            edges.map((e) => e.weight),
          ],
        );
      }
      const kept = new Set(entities.map((e) => e.entityId));
      await deleteOrphans(
        tx,
        missionId,
        previous.map((row) => row.entity_id).filter((id) => !kept.has(id)),
      );
    });
  }

  async removeDocument(
    missionId: string,
    documentId: string,
    options: { exceptContentVersion?: number } = {},
  ): Promise<void> {
    checkMissionId(missionId);
    checkDocumentId(documentId);
    const except =
      options.exceptContentVersion === undefined ? null : checkContentVersion(options.exceptContentVersion);
    await this.sql.inMission(missionId, async (tx) => {
      const params = [missionId, documentId, except];
      const { rows } = await tx.query<{ entity_id: string }>(
        `DELETE FROM entity_mentions
         WHERE mission_id = $1 AND document_id = $2 AND ($3::integer IS NULL OR content_version <> $3)
         RETURNING entity_id`,
        params,
      );
      await tx.query(
        `DELETE FROM entity_edges
         WHERE mission_id = $1 AND document_id = $2 AND ($3::integer IS NULL OR content_version <> $3)`,
        params,
      );
      await deleteOrphans(tx, missionId, [...new Set(rows.map((row) => row.entity_id))]);
    });
  }

  async findEntities(missionId: string, query: EntityQuery): Promise<GraphEntity[]> {
    checkMissionId(missionId);
    const { q, type, limit } = normaliseEntityQuery(query);
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<EntityRow>(
        `SELECT ${entityColumns} FROM entities e
         WHERE e.mission_id = $1 AND ($2::text IS NULL OR e.type = $2)
           AND ($3::text IS NULL OR strpos(lower(e.key), $3) > 0)
         ORDER BY (lower(e.key) = $3) IS TRUE DESC, ${entityOrder}
         LIMIT $4`,
        [missionId, type, q, limit],
      ),
    );
    return rows.map(toEntity);
  }

  async getEntity(missionId: string, entityId: string): Promise<GraphEntity | null> {
    checkMissionId(missionId);
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<EntityRow>(
        `SELECT ${entityColumns} FROM entities e WHERE e.mission_id = $1 AND e.entity_id = $2`,
        [missionId, entityId],
      ),
    );
    return rows[0] ? toEntity(rows[0]) : null;
  }

  /**
   * Breadth-first by levels: `walk` holds (entity, depth) pairs, and UNION drops a pair already
   * found, so each level expands each entity at most once and the walk ends at `depth`.
   */
  async neighbors(
    missionId: string,
    entityId: string,
    depth: number,
    limit: number,
  ): Promise<NeighborEntity[]> {
    checkMissionId(missionId);
    const maxDepth = checkDepth(depth);
    const rowLimit = checkLimit(limit);
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<EntityRow & { depth: number }>(
        `WITH RECURSIVE walk (entity_id, depth) AS (
           SELECT entity_id, 0 FROM entities WHERE mission_id = $1 AND entity_id = $2
           UNION
           SELECT next.entity_id, walk.depth + 1
           FROM walk CROSS JOIN LATERAL (
             SELECT g.to_id AS entity_id FROM entity_edges g
             WHERE g.mission_id = $1 AND g.from_id = walk.entity_id
             UNION ALL
             SELECT g.from_id FROM entity_edges g
             WHERE g.mission_id = $1 AND g.to_id = walk.entity_id
           ) next
           WHERE walk.depth < $3
         ),
         nearest AS (
           SELECT entity_id, min(depth) AS depth FROM walk WHERE entity_id <> $2 GROUP BY entity_id
         )
         SELECT ${entityColumns}, n.depth
         FROM nearest n JOIN entities e ON e.mission_id = $1 AND e.entity_id = n.entity_id
         ORDER BY n.depth, ${entityOrder}
         LIMIT $4`,
        [missionId, entityId, maxDepth, rowLimit],
      ),
    );
    return rows.map((row) => ({ ...toEntity(row), depth: Number(row.depth) }));
  }

  /** The graph lives in the relational database: it answering is the graph answering. */
  async ping(): Promise<void> {
    await this.sql.query('SELECT 1');
  }
}

/**
 * Deletes the candidates no document version mentions any more (their edges go by cascade). The
 * rows are locked first and checked in a later statement: a concurrent writer that has just added a
 * mention either holds its key lock (we wait, then see its mention) or fails its foreign key after
 * we delete (and its activity retries). Without the lock, both could act on stale snapshots.
 */
async function deleteOrphans(tx: SqlExecutor, missionId: string, candidates: string[]): Promise<void> {
  if (candidates.length === 0) return;
  await tx.query(
    `SELECT entity_id FROM entities WHERE mission_id = $1 AND entity_id = ANY($2::text[])
     ORDER BY entity_id FOR UPDATE`,
    [missionId, candidates],
  );
  await tx.query(
    `DELETE FROM entities e WHERE e.mission_id = $1 AND e.entity_id = ANY($2::text[])
     AND NOT EXISTS (
       SELECT 1 FROM entity_mentions m WHERE m.mission_id = $1 AND m.entity_id = e.entity_id
     )`,
    [missionId, candidates],
  );
}

function toEntity(row: EntityRow): GraphEntity {
  return {
    entityId: row.entity_id,
    type: row.type,
    key: row.key,
    name: row.name,
    mentions: Number(row.mentions),
  };
}
