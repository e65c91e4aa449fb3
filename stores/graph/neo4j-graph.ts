import neo4j, { type Driver, type ManagedTransaction } from 'neo4j-driver';
import { pingTimeoutMs, withDeadline } from '../deadline';
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

/**
 * The entity graph in Neo4j (5.26 or later: labels are set with the dynamic `$()` form).
 *
 * - `(:Entity:<Type> {mission, entityId, type, key, name})`: one node per (mission, type, key),
 *   guaranteed by a composite uniqueness constraint (a community-edition feature in 5.x; node key
 *   constraints are not). `entityId` has its own uniqueness constraint for lookups by id.
 * - `(:Document {mission, documentId, contentVersion})`: one node per document version that
 *   contributes, with `(:Entity)-[:MENTIONED_IN {mission, mentions}]->(:Document)` per entity it
 *   mentions. An entity with no MENTIONED_IN left is deleted.
 * - `(:Entity)-[:CO_OCCURS {mission, documentId, contentVersion, weight}]->(:Entity)`: one per pair
 *   per document version, directed from the smaller entityId and traversed both ways, so removing
 *   one version removes exactly its relationships.
 *
 * Every node and relationship carries the mission and every query filters on it, on each element of
 * a traversal too. The `<Type>` label comes only from types that passed `checkEntityType` (the
 * cartridge's identifier pattern), and it is passed as a parameter, never spliced into Cypher text.
 */
export class Neo4jGraphStore implements GraphStore {
  private schemaReady: Promise<void> | null = null;

  /** The store owns `driver` and closes it in `close()`. */
  constructor(
    private readonly driver: Driver,
    private readonly database?: string,
  ) {}

  async upsertDocument(missionId: string, graph: DocumentGraph): Promise<void> {
    // Checks every type against the label pattern, among the rest, before anything is written.
    const { documentId, contentVersion, entities, edges } = prepareDocumentGraph(missionId, graph);
    await this.ensureSchema();
    const params = { mission: missionId, documentId, contentVersion: neo4j.int(contentVersion) };
    await this.write(async (tx) => {
      // This version's previous contribution goes first, so the write is a replacement.
      const previous = await tx.run(
        `MERGE (d:Document {mission: $mission, documentId: $documentId, contentVersion: $contentVersion})
         WITH d
         OPTIONAL MATCH (e:Entity)-[m:MENTIONED_IN]->(d)
         DELETE m
         RETURN collect(e.entityId) AS entityIds`,
        params,
      );
      await tx.run(
        `MATCH ()-[r:CO_OCCURS {mission: $mission, documentId: $documentId}]->()
         WHERE r.contentVersion = $contentVersion
         DELETE r`,
        params,
      );
      for (const rows of batches(entities)) {
        // The first name written wins (as in SQL): a later document does not rename an entity.
        await tx.run(
          `MATCH (d:Document {mission: $mission, documentId: $documentId, contentVersion: $contentVersion})
           UNWIND $rows AS row
           MERGE (e:Entity {mission: $mission, type: row.type, key: row.key})
             ON CREATE SET e.entityId = row.entityId, e.name = row.name, e:$(row.type)
           CREATE (e)-[:MENTIONED_IN {mission: $mission, mentions: row.mentions}]->(d)`,
          {
            ...params,
            rows: rows.map((e) => ({ ...e, mentions: neo4j.int(e.mentions) })),
          },
        );
      }
      for (const rows of batches(edges)) {
        await tx.run(
          `UNWIND $rows AS row
           MATCH (a:Entity {entityId: row.fromId}) WHERE a.mission = $mission
           MATCH (b:Entity {entityId: row.toId}) WHERE b.mission = $mission
           MERGE (a)-[r:CO_OCCURS {mission: $mission, documentId: $documentId, contentVersion: $contentVersion}]->(b)
           SET r.weight = row.weight`,
          { ...params, rows: rows.map((e) => ({ ...e, weight: neo4j.int(e.weight) })) },
        );
      }
      const kept = new Set(entities.map((e) => e.entityId));
      const candidates = (previous.records[0]?.get('entityIds') as string[]).filter((id) => !kept.has(id));
      await deleteOrphans(tx, missionId, candidates);
      if (entities.length === 0) {
        await tx.run(
          `MATCH (d:Document {mission: $mission, documentId: $documentId, contentVersion: $contentVersion})
           WHERE NOT EXISTS { ()-[:MENTIONED_IN]->(d) }
           DELETE d`,
          params,
        );
      }
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
      options.exceptContentVersion === undefined
        ? null
        : neo4j.int(checkContentVersion(options.exceptContentVersion));
    await this.ensureSchema();
    const params = { mission: missionId, documentId, except };
    await this.write(async (tx) => {
      await tx.run(
        `MATCH ()-[r:CO_OCCURS {mission: $mission, documentId: $documentId}]->()
         WHERE $except IS NULL OR r.contentVersion <> $except
         DELETE r`,
        params,
      );
      const removed = await tx.run(
        `MATCH (d:Document {mission: $mission, documentId: $documentId})
         WHERE $except IS NULL OR d.contentVersion <> $except
         OPTIONAL MATCH (e:Entity)-[:MENTIONED_IN]->(d)
         WITH collect(DISTINCT d) AS documents, collect(DISTINCT e.entityId) AS entityIds
         FOREACH (d IN documents | DETACH DELETE d)
         RETURN entityIds`,
        params,
      );
      await deleteOrphans(
        tx,
        missionId,
        (removed.records[0]?.get('entityIds') as string[] | undefined) ?? [],
      );
    });
  }

  async findEntities(missionId: string, query: EntityQuery): Promise<GraphEntity[]> {
    checkMissionId(missionId);
    const { q, type, limit } = normaliseEntityQuery(query);
    await this.ensureSchema();
    const result = await this.read((tx) =>
      tx.run(
        `MATCH (e:Entity {mission: $mission})
         WHERE ($type IS NULL OR e.type = $type) AND ($q IS NULL OR toLower(e.key) CONTAINS $q)
         ${withMentions('e')}
         RETURN ${entityFields}
         ORDER BY coalesce(toLower(e.key) = $q, false) DESC, ${entityOrder}
         LIMIT $limit`,
        { mission: missionId, type, q, limit: neo4j.int(limit) },
      ),
    );
    return result.records.map((record) => toEntity(record.toObject()));
  }

  async getEntity(missionId: string, entityId: string): Promise<GraphEntity | null> {
    checkMissionId(missionId);
    await this.ensureSchema();
    const result = await this.read((tx) =>
      tx.run(
        `MATCH (e:Entity {entityId: $entityId}) WHERE e.mission = $mission
         ${withMentions('e')}
         RETURN ${entityFields}`,
        { mission: missionId, entityId: String(entityId) },
      ),
    );
    const record = result.records[0];
    return record ? toEntity(record.toObject()) : null;
  }

  /**
   * A variable-length pattern with every node and relationship on the path filtered by mission, and
   * only each entity's shortest distance kept: the planner turns that into a pruning breadth-first
   * expansion (VarLengthExpand(Pruning,BFS)), which visits each entity once, however many parallel
   * edges documents add. The depth bound cannot be a parameter in Cypher: it is the integer
   * `checkDepth` returned (1 to 3), written into the pattern.
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
    await this.ensureSchema();
    const result = await this.read((tx) =>
      tx.run(
        `MATCH (s:Entity {entityId: $entityId}) WHERE s.mission = $mission
         MATCH p = (s)-[:CO_OCCURS*1..${maxDepth}]-(e:Entity)
         WHERE all(r IN relationships(p) WHERE r.mission = $mission)
           AND all(x IN nodes(p) WHERE x.mission = $mission)
         WITH s, e, min(length(p)) AS depth
         WHERE e <> s
         ${withMentions('e, depth')}
         RETURN ${entityFields}, depth
         ORDER BY depth, ${entityOrder}
         LIMIT $limit`,
        { mission: missionId, entityId: String(entityId), limit: neo4j.int(rowLimit) },
      ),
    );
    return result.records.map((record) => {
      const row = record.toObject();
      return { ...toEntity(row), depth: toNumber(row.depth) };
    });
  }

  /**
   * `RETURN 1` in a session on the store's database: the server answers, takes the credentials and
   * serves that database. An auto-commit query, because `executeRead` would retry a dead server for
   * half a minute; bounded here, because the driver bounds connecting but not waiting for an answer.
   */
  async ping(): Promise<void> {
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.READ });
    const answered = (async () => {
      try {
        await session.run('RETURN 1');
      } catch (error) {
        throw new Error(`Neo4j could not run RETURN 1: ${(error as Error).message}`, { cause: error });
      } finally {
        // Also after the deadline passed, whenever the query ends: the session holds a connection.
        await session.close();
      }
    })();
    await withDeadline(answered, pingTimeoutMs, 'Neo4j');
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  /** Constraints and indexes, created once per store (IF NOT EXISTS: any number of stores may race). */
  private ensureSchema(): Promise<void> {
    this.schemaReady ??= (async () => {
      const session = this.driver.session({ database: this.database });
      try {
        for (const statement of schemaStatements) await session.run(statement);
        await session.run('CALL db.awaitIndexes(120)');
      } finally {
        await session.close();
      }
    })().catch((error: unknown) => {
      this.schemaReady = null;
      throw error;
    });
    return this.schemaReady;
  }

  private async write<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.WRITE });
    try {
      return await session.executeWrite(work);
    } finally {
      await session.close();
    }
  }

  private async read<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.READ });
    try {
      return await session.executeRead(work);
    } finally {
      await session.close();
    }
  }
}

const schemaStatements = [
  'CREATE CONSTRAINT mf_entity_key IF NOT EXISTS FOR (e:Entity) REQUIRE (e.mission, e.type, e.key) IS UNIQUE',
  'CREATE CONSTRAINT mf_entity_id IF NOT EXISTS FOR (e:Entity) REQUIRE e.entityId IS UNIQUE',
  'CREATE INDEX mf_entity_mission IF NOT EXISTS FOR (e:Entity) ON (e.mission)',
  `CREATE CONSTRAINT mf_document_version IF NOT EXISTS
   FOR (d:Document) REQUIRE (d.mission, d.documentId, d.contentVersion) IS UNIQUE`,
  'CREATE INDEX mf_document IF NOT EXISTS FOR (d:Document) ON (d.mission, d.documentId)',
  'CREATE INDEX mf_co_occurs_document IF NOT EXISTS FOR ()-[r:CO_OCCURS]-() ON (r.mission, r.documentId)',
];

/** Mentions of `e` summed over its contributions (0 when none), keeping the `carried` variables. */
const withMentions = (carried: string) => `OPTIONAL MATCH (e)-[m:MENTIONED_IN]->(:Document)
         WITH ${carried}, sum(m.mentions) AS mentions`;

const entityFields = 'e.entityId AS entityId, e.type AS type, e.key AS key, e.name AS name, mentions';

/** Neo4j compares strings by code point, like JavaScript and the SQL store's COLLATE "C". */
const entityOrder = 'mentions DESC, e.type, e.key, e.entityId';

/** Rows per UNWIND statement: bounded transaction-state growth per statement, few round trips. */
const batchSize = 2_000;

function* batches<T>(rows: T[]): Generator<T[]> {
  for (let start = 0; start < rows.length; start += batchSize) yield rows.slice(start, start + batchSize);
}

/**
 * Deletes the candidates no document version mentions any more. Each is write-locked first (a no-op
 * property write takes the node's lock) and checked in a later statement, which sees what a
 * concurrent writer committed meanwhile; a writer that comes after the delete fails and retries.
 */
async function deleteOrphans(tx: ManagedTransaction, missionId: string, candidates: string[]): Promise<void> {
  if (candidates.length === 0) return;
  const params = { mission: missionId, candidates };
  await tx.run(
    `MATCH (e:Entity) WHERE e.entityId IN $candidates AND e.mission = $mission
     SET e.mission = e.mission`,
    params,
  );
  await tx.run(
    `MATCH (e:Entity) WHERE e.entityId IN $candidates AND e.mission = $mission
       AND NOT EXISTS { (e)-[:MENTIONED_IN]->(:Document) }
     DETACH DELETE e`,
    params,
  );
}

function toEntity(row: Record<string, unknown>): GraphEntity {
  return {
    entityId: String(row.entityId),
    type: String(row.type),
    key: String(row.key),
    name: String(row.name),
    mentions: toNumber(row.mentions),
  };
}

function toNumber(value: unknown): number {
  return neo4j.isInt(value) ? (value as { toNumber(): number }).toNumber() : Number(value);
}
