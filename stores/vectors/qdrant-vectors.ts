import { QdrantClient } from '@qdrant/js-client-rest';
import { pingTimeoutMs, withDeadline } from '../deadline';
import {
  assertMissionId,
  dedicatedCollectionName,
  pointIdFor,
  sharedCollectionName,
  sharedPrefix,
} from './qdrant-naming';
import type { PendingChunk, VectorCandidate, VectorPoint, VectorStore } from './vector-store';

/** Where a mission's vectors live: the model's shared collection, or one of the mission's own. */
export type CollectionMode = 'shared' | 'dedicated';

export interface QdrantVectorStoreOptions {
  /** e.g. http://127.0.0.1:6333 (QDRANT_URL) */
  url: string;
  apiKey?: string;
  /** Points per upsert request. */
  batchSize?: number;
  /** The cartridge's choice, asked on every call so a reloaded cartridge takes effect at once. */
  collectionMode?: (missionId: string) => CollectionMode | Promise<CollectionMode>;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** The client's background GET / that warns about a client/server version mismatch. */
  checkCompatibility?: boolean;
}

/** A failed Qdrant request, carrying Qdrant's own explanation and the HTTP status when there was one. */
export class QdrantError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'QdrantError';
  }
}

const missionFilter = (missionId: string) => ({ key: 'mission_id', match: { value: missionId } });

/** Payload indexes every collection gets; `mission_id` is the tenant key Qdrant groups storage by. */
const payloadIndexes = [
  { field_name: 'mission_id', field_schema: { type: 'keyword', is_tenant: true } },
  { field_name: 'document_id', field_schema: { type: 'keyword' } },
  // Deletes only test equality (must_not content_version = N): no range index needed.
  { field_name: 'content_version', field_schema: { type: 'integer', lookup: true, range: false } },
  // Vectors are reused by the hash of the text they were made from (reuseByContent).
  { field_name: 'content_hash', field_schema: { type: 'keyword' } },
] as const;

/** Points read per scroll request when looking for reusable vectors, and pages at most. */
const reusePageSize = 256;
const reusePages = 8;

/**
 * Vectors in Qdrant (the services profile). Every point carries its mission in a tenant-indexed
 * payload field and every read and delete filters on it, also inside a mission's dedicated
 * collection, so no request scoped to one mission can touch another's points.
 */
export class QdrantVectorStore implements VectorStore {
  private readonly client: QdrantClient;
  private readonly batchSize: number;
  private readonly collectionMode: (missionId: string) => CollectionMode | Promise<CollectionMode>;
  /** Collections this process has created or checked, so the check costs one request per process. */
  private readonly ready = new Map<string, Promise<void>>();

  constructor(options: QdrantVectorStoreOptions) {
    this.batchSize = options.batchSize ?? 256;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new Error(`batchSize must be a positive integer, not ${options.batchSize}`);
    this.collectionMode = options.collectionMode ?? (() => 'shared');
    this.client = new QdrantClient({
      url: options.url,
      apiKey: options.apiKey,
      timeout: options.timeoutMs,
      checkCompatibility: options.checkCompatibility,
    });
  }

  async upsert(missionId: string, model: string, points: readonly VectorPoint[]): Promise<void> {
    assertMissionId(missionId);
    assertModel(model);
    if (points.length === 0) return;
    const dimensions = (points[0] as VectorPoint).vector.length;
    for (const point of points) assertPoint(point, dimensions);
    const collection = await this.collectionFor(missionId, model, dimensions);
    await this.ensureCollection(collection, dimensions);
    for (let start = 0; start < points.length; start += this.batchSize) {
      const batch = points.slice(start, start + this.batchSize).map((point) => ({
        id: pointIdFor(missionId, point.documentId, point.contentVersion, point.chunkIndex),
        vector: [...point.vector],
        payload: {
          mission_id: missionId,
          document_id: point.documentId,
          content_version: point.contentVersion,
          chunk_index: point.chunkIndex,
          chunk_id: point.chunkId,
          model,
          ...(point.contentHash ? { content_hash: point.contentHash } : {}),
        },
      }));
      const write = () =>
        this.request('upsert', collection, () =>
          this.client.upsert(collection, { wait: true, points: batch }),
        );
      try {
        await write();
      } catch (error) {
        // The collection was dropped behind this process's cache: make it again, once.
        if (!isNotFound(error)) throw error;
        this.ready.delete(collection);
        await this.ensureCollection(collection, dimensions);
        await write();
      }
    }
  }

  async search(
    missionId: string,
    model: string,
    vector: readonly number[],
    limit: number,
  ): Promise<VectorCandidate[]> {
    assertMissionId(missionId);
    assertModel(model);
    if (!Number.isInteger(limit) || limit < 0)
      throw new Error(`limit must be a non-negative integer, not ${limit}`);
    if (vector.length === 0) throw new Error('cannot search with an empty vector');
    if (limit === 0) return [];
    const collection = await this.collectionFor(missionId, model, vector.length);
    try {
      const { points } = await this.request('query', collection, () =>
        this.client.query(collection, {
          query: [...vector],
          filter: { must: [missionFilter(missionId)] },
          limit,
          with_payload: ['chunk_id'],
        }),
      );
      return points.flatMap((point) => {
        const chunkId = point.payload?.chunk_id;
        return typeof chunkId === 'string' ? [{ chunkId, distance: 1 - point.score }] : [];
      });
    } catch (error) {
      // Nothing was ever written for this model and size: no candidates.
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  /**
   * Copies to the waiting chunks the vectors of the mission's points made from the same text (same
   * content hash, in the model's collection). Points written before hashes were recorded are never a
   * source; a hash repeated across many documents is found within a bounded number of pages.
   */
  async reuseByContent(
    missionId: string,
    model: string,
    dimensions: number,
    chunks: readonly PendingChunk[],
  ): Promise<string[]> {
    assertMissionId(missionId);
    assertModel(model);
    if (chunks.length === 0) return [];
    const collection = await this.collectionFor(missionId, model, dimensions);
    await this.ensureCollection(collection, dimensions);
    const wanted = new Set(chunks.map((chunk) => chunk.contentHash));
    const vectorByHash = new Map<string, number[]>();
    let offset: string | number | undefined;
    for (let page = 0; page < reusePages && vectorByHash.size < wanted.size; page++) {
      const { points, next_page_offset: next } = await this.request('scroll', collection, () =>
        this.client.scroll(collection, {
          filter: {
            must: [
              missionFilter(missionId),
              { key: 'content_hash', match: { any: [...wanted].filter((hash) => !vectorByHash.has(hash)) } },
            ],
          },
          limit: reusePageSize,
          offset,
          with_payload: ['content_hash'],
          with_vector: true,
        }),
      );
      for (const point of points) {
        const hash = point.payload?.content_hash;
        if (typeof hash === 'string' && isDenseVector(point.vector, dimensions))
          vectorByHash.set(hash, point.vector);
      }
      if (typeof next !== 'string' && typeof next !== 'number') break;
      offset = next;
    }
    const copies = chunks.flatMap((chunk) => {
      const vector = vectorByHash.get(chunk.contentHash);
      return vector ? [{ ...chunk, vector }] : [];
    });
    await this.upsert(missionId, model, copies);
    return copies.map((chunk) => chunk.chunkId);
  }

  /**
   * The document may have vectors from any model, in the shared collections or in the mission's
   * own (also from before a cartridge switched modes), so every such collection gets the delete.
   */
  async removeDocument(
    missionId: string,
    documentId: string,
    options: { exceptContentVersion?: number } = {},
  ): Promise<void> {
    assertMissionId(missionId);
    const { exceptContentVersion } = options;
    if (exceptContentVersion !== undefined && !Number.isInteger(exceptContentVersion))
      throw new Error(`exceptContentVersion must be an integer, not ${exceptContentVersion}`);
    const { collections } = await this.request('list collections', undefined, () =>
      this.client.getCollections(),
    );
    const dedicatedPrefix = `mf_${missionId}_`;
    const filter = {
      must: [missionFilter(missionId), { key: 'document_id', match: { value: documentId } }],
      ...(exceptContentVersion === undefined
        ? {}
        : { must_not: [{ key: 'content_version', match: { value: exceptContentVersion } }] }),
    };
    for (const { name } of collections) {
      if (!name.startsWith(sharedPrefix) && !name.startsWith(dedicatedPrefix)) continue;
      try {
        await this.request('delete', name, () => this.client.delete(name, { wait: true, filter }));
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
  }

  /**
   * The collection list (GET /collections): the server answers and takes the API key, as every
   * call the store makes needs it to. Bounded here, because the client's own request timeout
   * (5 minutes unless `timeoutMs`) is meant for large writes.
   */
  async ping(): Promise<void> {
    await withDeadline(
      this.request('collection list (GET /collections)', undefined, () => this.client.getCollections()),
      pingTimeoutMs,
      'Qdrant',
    );
  }

  private async collectionFor(missionId: string, model: string, dimensions: number): Promise<string> {
    const mode = await this.collectionMode(missionId);
    if (mode === 'shared') return sharedCollectionName(model, dimensions);
    if (mode === 'dedicated') return dedicatedCollectionName(missionId, model, dimensions);
    throw new Error(`collectionMode answered ${JSON.stringify(mode)} for mission ${missionId}`);
  }

  private ensureCollection(name: string, dimensions: number): Promise<void> {
    let ready = this.ready.get(name);
    if (!ready) {
      const attempt = this.createCollection(name, dimensions);
      ready = attempt;
      this.ready.set(name, attempt);
      // A failed attempt is forgotten so the next call tries again.
      attempt.catch(() => {
        if (this.ready.get(name) === attempt) this.ready.delete(name);
      });
    }
    return ready;
  }

  /** Creates the collection with its indexes, or checks and completes one that exists. */
  private async createCollection(name: string, dimensions: number): Promise<void> {
    const existing = await this.collectionInfo(name);
    if (!existing) {
      try {
        await this.request('create collection', name, () =>
          this.client.createCollection(name, { vectors: { size: dimensions, distance: 'Cosine' } }),
        );
        for (const index of payloadIndexes) await this.createIndex(name, index);
        return;
      } catch (error) {
        // Another process created it between our look and our create: use theirs.
        if (!isAlreadyExists(error)) throw error;
      }
    }
    const info = existing ?? (await this.collectionInfo(name));
    if (!info) throw new QdrantError(`Qdrant collection ${name} vanished while being created`, undefined);
    const vectors = info.config.params.vectors as { size?: unknown; distance?: unknown } | undefined;
    if (vectors?.size !== dimensions || vectors.distance !== 'Cosine')
      throw new QdrantError(
        `Qdrant collection ${name} exists with vectors ${JSON.stringify(vectors)}, expected { size: ${dimensions}, distance: Cosine }`,
        undefined,
      );
    // A creator that died between creating the collection and its indexes left them missing.
    for (const index of payloadIndexes)
      if (!info.payload_schema[index.field_name]) await this.createIndex(name, index);
  }

  private async collectionInfo(name: string) {
    try {
      return await this.request('get collection', name, () => this.client.getCollection(name));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  private async createIndex(name: string, index: (typeof payloadIndexes)[number]): Promise<void> {
    await this.request('create payload index', name, () =>
      this.client.createPayloadIndex(name, {
        wait: true,
        field_name: index.field_name,
        field_schema: { ...index.field_schema },
      }),
    );
  }

  /** Runs one client call, turning its errors into a QdrantError that says what Qdrant said. */
  private async request<T>(
    operation: string,
    collection: string | undefined,
    call: () => Promise<T>,
  ): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toQdrantError(operation, collection, error);
    }
  }
}

function toQdrantError(operation: string, collection: string | undefined, error: unknown): QdrantError {
  if (error instanceof QdrantError) return error;
  // The client throws the REST layer's ApiError: status and parsed body, with only the status
  // text as message; Qdrant's explanation is in body.status.error.
  const { status, data, message, cause } = (error ?? {}) as {
    status?: unknown;
    data?: unknown;
    message?: unknown;
    cause?: unknown;
  };
  const explanation = (data as { status?: { error?: unknown } } | undefined)?.status?.error;
  // fetch says "fetch failed" for every network failure: what failed (refused, reset) is its cause.
  // Read by shape: an error from another realm (Node's own fetch under a VM) is no `instanceof Error`.
  const causeMessage = (cause as { message?: unknown } | undefined)?.message;
  const reason = typeof causeMessage === 'string' ? ` (${causeMessage})` : '';
  const detail =
    typeof explanation === 'string'
      ? explanation
      : typeof message === 'string'
        ? `${message}${reason}`
        : String(error);
  const httpStatus = typeof status === 'number' ? status : undefined;
  return new QdrantError(
    `Qdrant ${operation}${collection ? ` on ${collection}` : ''} failed` +
      `${httpStatus ? ` (HTTP ${httpStatus})` : ''}: ${detail}`,
    httpStatus,
    { cause: error },
  );
}

const isNotFound = (error: unknown) => error instanceof QdrantError && error.status === 404;

/** Current servers answer 409 (their AlreadyExists error); older ones answered 400 with the same text. */
const isAlreadyExists = (error: unknown) =>
  error instanceof QdrantError &&
  (error.status === 409 || (error.status === 400 && /already exists/i.test(error.message)));

function assertModel(model: string): void {
  if (typeof model !== 'string' || model.length === 0) throw new Error('an embedding model name is required');
}

function isDenseVector(vector: unknown, dimensions: number): vector is number[] {
  return (
    Array.isArray(vector) &&
    vector.length === dimensions &&
    vector.every((value) => typeof value === 'number')
  );
}

function assertPoint(point: VectorPoint, dimensions: number): void {
  const where = `vector point ${point.chunkId}`;
  if (!Number.isInteger(point.contentVersion) || point.contentVersion < 0)
    throw new Error(`${where}: contentVersion must be a non-negative integer`);
  if (!Number.isInteger(point.chunkIndex) || point.chunkIndex < 0)
    throw new Error(`${where}: chunkIndex must be a non-negative integer`);
  if (dimensions === 0 || point.vector.length !== dimensions)
    throw new Error(
      `${where}: ${point.vector.length} dimensions; every point of one upsert needs ${dimensions}`,
    );
  if (!point.vector.every(Number.isFinite)) throw new Error(`${where}: the vector holds a non-finite number`);
}
