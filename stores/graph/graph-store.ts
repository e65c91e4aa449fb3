import { createHash } from 'node:crypto';
import { missionIdPattern } from '../../domain/documents';
import {
  entityKey,
  entityTypePattern,
  reservedEntityTypes,
  type DocumentEntity,
  type EntityRelation,
} from '../../domain/entities';
import { MissionflowError } from '../../domain/errors';

/**
 * The entity graph: entities per mission, each document version's contribution to them (mentions
 * and co-occurrence edges), and traversal. Neo4j in the services profile, node and edge tables in
 * the embedded Postgres otherwise; both pass test/integration/graph-store.contract.test.ts.
 */

export interface GraphEntity {
  /** Derived from (mission, type, key): the same entity has the same id in every store. */
  entityId: string;
  type: string;
  key: string;
  name: string;
  /** Chunks mentioning the entity, summed over every document version that contributes. */
  mentions: number;
}

/** One document version's part of the graph: what the extractor (domain/entities.ts) found. */
export interface DocumentGraph {
  documentId: string;
  contentVersion: number;
  entities: DocumentEntity[];
  relations: EntityRelation[];
}

export interface GraphStore {
  /**
   * Replaces the contribution of (document, content version) with `graph`. Idempotent: writing the
   * same document graph twice leaves exactly one node per entity and one edge per pair per document
   * version. Entities that only this version mentioned and no longer does disappear.
   */
  upsertDocument(missionId: string, graph: DocumentGraph): Promise<void>;
  /**
   * Removes the document's contributions (all versions, or all but `exceptContentVersion`); entities
   * left with no contribution disappear. Idempotent.
   */
  removeDocument(
    missionId: string,
    documentId: string,
    options?: { exceptContentVersion?: number },
  ): Promise<void>;
  /**
   * `q` matches a substring of the key (case-insensitively); exact matches first, then by mentions
   * (most first), type, key.
   */
  findEntities(missionId: string, query: EntityQuery): Promise<GraphEntity[]>;
  getEntity(missionId: string, entityId: string): Promise<GraphEntity | null>;
  /**
   * Entities within `depth` hops (an integer from 1; above `graphLimits.maxDepth` it is capped),
   * nearest first, then by mentions, type, key; the start entity is never among them. Traversal
   * stays within the mission.
   */
  neighbors(missionId: string, entityId: string, depth: number, limit: number): Promise<NeighborEntity[]>;
  /** Resolves when the backing service answers (for readiness); rejects saying why it does not. */
  ping(): Promise<void>;
  close?(): Promise<void>;
}

export interface EntityQuery {
  q?: string;
  type?: string;
  limit: number;
}

export type NeighborEntity = GraphEntity & { depth: number };

export const graphLimits = {
  /** Traversal depth cap: the number of paths grows with degree^depth. */
  maxDepth: 3,
  maxLimit: 1_000,
  maxQueryLength: 200,
  maxDocumentIdLength: 128,
  /** Keys and names; the extractor keeps them far shorter (entityLimits.maxNameLength). */
  maxKeyLength: 1_000,
} as const;

/** sha256 of mission, type and key (NUL-separated, so no two triples share an input), 32 hex digits. */
export function entityIdFor(missionId: string, type: string, key: string): string {
  return createHash('sha256').update(`${missionId}\0${type}\0${key}`).digest('hex').slice(0, 32);
}

/** A document graph checked and turned into the rows both stores write. */
export interface PreparedGraph {
  documentId: string;
  contentVersion: number;
  entities: Array<{ entityId: string; type: string; key: string; name: string; mentions: number }>;
  /** One per unordered pair, `fromId < toId`. */
  edges: Array<{ fromId: string; toId: string; weight: number }>;
}

/**
 * Validates a document graph for `missionId`: types are label-safe identifiers, every relation
 * joins two distinct listed entities, nothing is listed twice. Throws `invalid_request` naming the
 * offending field, before anything is written.
 */
export function prepareDocumentGraph(missionId: string, graph: DocumentGraph): PreparedGraph {
  checkMissionId(missionId);
  const documentId = checkDocumentId(graph.documentId);
  const contentVersion = checkContentVersion(graph.contentVersion, 'contentVersion');
  const ids = new Map<string, string>();
  const entities = graph.entities.map((entity, index) => {
    const path = `entities.${index}`;
    const type = checkEntityType(entity.type, `${path}.type`);
    const key = checkText(entity.key, `${path}.key`);
    const name = checkText(entity.name, `${path}.name`);
    const chunks = new Set(entity.chunkIndexes);
    for (const chunk of chunks) {
      if (!Number.isInteger(chunk) || chunk < 0) throw invalid(`${path}.chunkIndexes`, 'not a chunk index');
    }
    const ref = `${type}\0${key}`;
    if (ids.has(ref)) throw invalid(path, `${type} '${key}' is listed twice`);
    const entityId = entityIdFor(missionId, type, key);
    ids.set(ref, entityId);
    return { entityId, type, key, name, mentions: chunks.size };
  });
  const pairs = new Set<string>();
  const edges = graph.relations.map((relation, index) => {
    const path = `relations.${index}`;
    const a = ids.get(`${relation.from.type}\0${relation.from.key}`);
    const b = ids.get(`${relation.to.type}\0${relation.to.key}`);
    if (a === undefined) throw invalid(`${path}.from`, 'not one of the listed entities');
    if (b === undefined) throw invalid(`${path}.to`, 'not one of the listed entities');
    if (a === b) throw invalid(path, 'an entity cannot relate to itself');
    if (!Number.isInteger(relation.weight) || relation.weight < 1 || relation.weight > 2 ** 31 - 1) {
      throw invalid(`${path}.weight`, 'a positive integer');
    }
    const [fromId, toId] = a < b ? [a, b] : [b, a];
    if (pairs.has(`${fromId}${toId}`)) throw invalid(path, 'this pair is listed twice');
    pairs.add(`${fromId}${toId}`);
    return { fromId, toId, weight: relation.weight };
  });
  return { documentId, contentVersion, entities, edges };
}

export function checkMissionId(missionId: string): string {
  if (typeof missionId !== 'string' || !missionIdPattern.test(missionId)) {
    throw invalid('missionId', 'lower-case letters, digits, - and _, 1 to 48 characters');
  }
  return missionId;
}

/**
 * Entity types become Neo4j labels: only identifiers of the cartridge's pattern pass, and not the
 * store's own labels.
 */
export function checkEntityType(type: string, path = 'type'): string {
  if (typeof type !== 'string' || !entityTypePattern.test(type)) {
    throw invalid(path, `'${String(type).slice(0, 80)}' is not an entity type (${entityTypePattern.source})`);
  }
  if (reservedEntityTypes.includes(type)) throw invalid(path, `'${type}' is reserved`);
  return type;
}

export function checkDocumentId(documentId: string): string {
  if (typeof documentId !== 'string' || documentId.length === 0) throw invalid('documentId', 'required');
  if (documentId.length > graphLimits.maxDocumentIdLength) throw invalid('documentId', 'too long');
  return documentId;
}

export function checkContentVersion(version: number, path = 'exceptContentVersion'): number {
  if (!Number.isInteger(version) || version < 1 || version > 2 ** 31 - 1) {
    throw invalid(path, 'a positive integer');
  }
  return version;
}

/** A depth of 1 or more, capped at `graphLimits.maxDepth`; it is written into Cypher, so it is checked. */
export function checkDepth(depth: number): number {
  if (!Number.isInteger(depth) || depth < 1) throw invalid('depth', 'an integer of at least 1');
  return Math.min(depth, graphLimits.maxDepth);
}

export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw invalid('limit', 'an integer of at least 1');
  return Math.min(limit, graphLimits.maxLimit);
}

/** The query as both stores compare it: a key-normalised, lower-cased substring; null means any. */
export function normaliseEntityQuery(query: EntityQuery): {
  q: string | null;
  type: string | null;
  limit: number;
} {
  const q = query.q === undefined ? '' : entityKey(query.q).toLowerCase();
  if (q.length > graphLimits.maxQueryLength) throw invalid('q', 'too long');
  const type = query.type === undefined ? null : checkEntityType(query.type);
  return { q: q === '' ? null : q, type, limit: checkLimit(query.limit) };
}

function checkText(value: string, path: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(path, 'required');
  if (value.length > graphLimits.maxKeyLength) throw invalid(path, 'too long');
  return value;
}

function invalid(path: string, message: string): MissionflowError {
  return new MissionflowError('invalid_request', `${path}: ${message}`, [{ path, message }]);
}
