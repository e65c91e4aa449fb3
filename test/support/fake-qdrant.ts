import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback';

/**
 * A FAKE Qdrant for unit tests: an in-memory stand-in for the few REST endpoints
 * stores/vectors/qdrant-vectors.ts uses, on a loopback port, because no registry ships a Qdrant server.
 * It answers in Qdrant's response shapes and error texts, filters payloads by exact match only,
 * scores by brute-force cosine, and records every request so tests can assert what was sent.
 * Anything it does not implement is answered with an error naming it (501 for a route, 400 for a
 * request feature), never silently ignored.
 * It proves the adapter's requests, not Qdrant's behaviour: the contract suite does that against a
 * real server when QDRANT_URL is set.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export interface FakePoint {
  id: string | number;
  /** Stored normalised, as Qdrant does for cosine collections. */
  vector: number[];
  payload: Record<string, unknown>;
}

export interface FakeCollection {
  size: number;
  distance: string;
  payloadSchema: Record<string, unknown>;
  points: Map<string | number, FakePoint>;
}

export interface InjectedFailure {
  method: string;
  /** Matched against the path without the query string. */
  path: string | RegExp;
  status: number;
  error: string;
}

export interface FakeQdrant {
  url: string;
  requests: RecordedRequest[];
  collections: Map<string, FakeCollection>;
  /** The next request matching method and path gets this Qdrant-style error instead of an answer. */
  failNext(failure: InjectedFailure): void;
  /** Requests whose method matches and whose path matches exactly (string) or by pattern. */
  requestsTo(method: string, path: string | RegExp): RecordedRequest[];
  reset(): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const ok = (result: unknown) => ({ result, status: 'ok', time: 0 });
const completed = () => ok({ operation_id: 0, status: 'completed' });

export async function startFakeQdrant(): Promise<FakeQdrant> {
  const requests: RecordedRequest[] = [];
  const collections = new Map<string, FakeCollection>();
  const failures: InjectedFailure[] = [];

  const pathMatches = (pattern: string | RegExp, path: string) =>
    typeof pattern === 'string' ? pattern === path : pattern.test(path);

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-qdrant');
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch (error) {
      return send(res, 400, {
        status: { error: `Json deserialize error: ${(error as Error).message}` },
        time: 0,
      });
    }
    requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), body });

    const injected = failures.findIndex((f) => f.method === method && pathMatches(f.path, url.pathname));
    if (injected >= 0) {
      const failure = failures.splice(injected, 1)[0] as InjectedFailure;
      return send(res, failure.status, { status: { error: failure.error }, time: 0 });
    }
    try {
      send(res, 200, route(method, url.pathname, body));
    } catch (error) {
      if (error instanceof HttpError) send(res, error.status, { status: { error: error.message }, time: 0 });
      else send(res, 500, { status: { error: `Service internal error: ${String(error)}` }, time: 0 });
    }
  }

  function route(method: string, path: string, body: unknown): unknown {
    if (method === 'GET' && path === '/')
      return { title: 'qdrant - vector search engine', version: '1.18.0' };
    if (method === 'GET' && path === '/collections')
      return ok({ collections: [...collections.keys()].map((name) => ({ name })) });
    const match = /^\/collections\/([^/]+)(\/.*)?$/.exec(path);
    const handler = match && collectionRoutes[`${method} ${match[2] ?? ''}`];
    // Never 404 for a route it lacks: the adapter reads 404 as "no such collection".
    if (!match || !handler) throw new HttpError(501, `fake-qdrant: ${method} ${path} is not implemented`);
    const name = decodeURIComponent(match[1] as string);
    const args = (body ?? {}) as Record<string, unknown>;
    if (handler === 'create') return createCollection(name, args);
    const collection = collections.get(name);
    if (!collection) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return handler(collection, args);
  }

  const collectionRoutes: Record<
    string,
    'create' | ((collection: FakeCollection, args: Record<string, unknown>) => unknown) | undefined
  > = {
    'PUT ': 'create',
    'GET ': (collection) => collectionInfo(collection),
    'PUT /index': createIndex,
    'PUT /points': upsert,
    'POST /points/query': (collection, args) => ok({ points: query(collection, args) }),
    'POST /points/delete': deletePoints,
    'POST /points/scroll': scroll,
  };

  function createCollection(name: string, args: Record<string, unknown>): unknown {
    // Qdrant's rule: 1 to 255 characters, none of < > : " / \ | ? * NUL or unit separator.
    if (
      name.length === 0 ||
      name.length > 255 ||
      /[<>:"/\\|?*]/.test(name) ||
      name.includes('\0') ||
      name.includes('\u001f')
    )
      throw new HttpError(
        422,
        `Validation error in path parameters: [name: collection name ${name} is not valid]`,
      );
    if (collections.has(name))
      throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
    const vectors = args.vectors as { size?: unknown; distance?: unknown } | undefined;
    if (!vectors || !Number.isInteger(vectors.size) || (vectors.size as number) < 1)
      throw new HttpError(400, 'fake-qdrant: only a single unnamed vector { size, distance } is implemented');
    if (!['Cosine', 'Dot', 'Euclid', 'Manhattan'].includes(vectors.distance as string))
      throw new HttpError(400, `Json deserialize error: unknown variant \`${String(vectors.distance)}\``);
    if (vectors.distance !== 'Cosine')
      throw new HttpError(400, 'fake-qdrant: only Cosine distance is implemented');
    collections.set(name, {
      size: vectors.size as number,
      distance: vectors.distance,
      payloadSchema: {},
      points: new Map(),
    });
    return ok(true);
  }

  function collectionInfo(collection: FakeCollection): unknown {
    return ok({
      status: 'green',
      optimizer_status: 'ok',
      indexed_vectors_count: 0,
      points_count: collection.points.size,
      segments_count: 1,
      config: {
        params: { vectors: { size: collection.size, distance: collection.distance }, shard_number: 1 },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000 },
        optimizer_config: {},
      },
      payload_schema: Object.fromEntries(
        Object.entries(collection.payloadSchema).map(([field, schema]) => [
          field,
          typeof schema === 'string'
            ? { data_type: schema, points: collection.points.size }
            : {
                data_type: (schema as { type: string }).type,
                params: schema,
                points: collection.points.size,
              },
        ]),
      ),
    });
  }

  function createIndex(collection: FakeCollection, args: Record<string, unknown>): unknown {
    const schema = args.field_schema;
    const type = typeof schema === 'string' ? schema : (schema as { type?: unknown } | undefined)?.type;
    if (typeof args.field_name !== 'string' || !['keyword', 'integer', 'uuid'].includes(type as string))
      throw new HttpError(400, `fake-qdrant: index ${JSON.stringify(args)} is not implemented`);
    collection.payloadSchema[args.field_name] = schema;
    return completed();
  }

  function upsert(collection: FakeCollection, args: Record<string, unknown>): unknown {
    if (!Array.isArray(args.points))
      throw new HttpError(400, 'fake-qdrant: only the { points: [...] } form of upsert is implemented');
    const points = args.points as Array<{ id?: unknown; vector?: unknown; payload?: unknown }>;
    // Validate the whole batch first: Qdrant applies a batch entirely or not at all.
    for (const point of points) {
      const id = point.id;
      const validId =
        (typeof id === 'number' && Number.isInteger(id) && id >= 0) ||
        (typeof id === 'string' &&
          /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
      if (!validId)
        throw new HttpError(
          400,
          `Format error in JSON body: value ${JSON.stringify(id)} is not a valid point ID`,
        );
      if (!Array.isArray(point.vector) || !point.vector.every((value) => typeof value === 'number'))
        throw new HttpError(400, 'fake-qdrant: only a single unnamed dense vector per point is implemented');
      if (point.vector.length !== collection.size)
        throw new HttpError(
          400,
          `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${point.vector.length}`,
        );
    }
    for (const point of points) {
      const id = typeof point.id === 'string' ? point.id.toLowerCase() : (point.id as number);
      collection.points.set(id, {
        id,
        vector: normalise(point.vector as number[]),
        payload: { ...((point.payload as Record<string, unknown> | undefined) ?? {}) },
      });
    }
    return completed();
  }

  function query(collection: FakeCollection, args: Record<string, unknown>): unknown[] {
    const known = new Set(['query', 'filter', 'limit', 'with_payload', 'with_vector', 'offset']);
    const unknown = Object.keys(args).filter((key) => !known.has(key) && args[key] !== undefined);
    if (unknown.length > 0) throw new HttpError(400, `fake-qdrant: ${unknown.join(', ')} not implemented`);
    const vector = args.query;
    if (!Array.isArray(vector) || !vector.every((value) => typeof value === 'number'))
      throw new HttpError(400, 'fake-qdrant: only a plain dense vector as `query` is implemented');
    if (vector.length !== collection.size)
      throw new HttpError(
        400,
        `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${vector.length}`,
      );
    const limit = (args.limit as number | undefined) ?? 10;
    const offset = (args.offset as number | undefined) ?? 0;
    const target = normalise(vector as number[]);
    return selected(collection, args.filter)
      .map((point) => ({ point, score: dot(point.vector, target) }))
      .sort((a, b) => b.score - a.score || String(a.point.id).localeCompare(String(b.point.id)))
      .slice(offset, offset + limit)
      .map(({ point, score }) => ({
        id: point.id,
        version: 0,
        score,
        payload: payloadSelection(point.payload, args.with_payload),
        vector: args.with_vector ? point.vector : null,
      }));
  }

  /** Points in id order from `offset` (a point id), with the id after the page as the next offset. */
  function scroll(collection: FakeCollection, args: Record<string, unknown>): unknown {
    const known = new Set(['filter', 'limit', 'offset', 'with_payload', 'with_vector']);
    const unknown = Object.keys(args).filter((key) => !known.has(key) && args[key] !== undefined);
    if (unknown.length > 0) throw new HttpError(400, `fake-qdrant: ${unknown.join(', ')} not implemented`);
    const limit = (args.limit as number | undefined) ?? 10;
    const ordered = selected(collection, args.filter).sort((a, b) => compareIds(a.id, b.id));
    // Like Qdrant: the page starts at the first point whose id is at or after the offset.
    const from =
      args.offset === undefined || args.offset === null
        ? 0
        : ordered.findIndex((point) => compareIds(point.id, args.offset) >= 0);
    const page = from < 0 ? [] : ordered.slice(from, from + limit);
    return ok({
      points: page.map((point) => ({
        id: point.id,
        payload: payloadSelection(point.payload, args.with_payload ?? true),
        vector: args.with_vector ? point.vector : null,
      })),
      next_page_offset: from >= 0 ? (ordered[from + limit]?.id ?? null) : null,
    });
  }

  function deletePoints(collection: FakeCollection, args: Record<string, unknown>): unknown {
    if (args.filter !== undefined) {
      for (const point of selected(collection, args.filter)) collection.points.delete(point.id);
    } else if (Array.isArray(args.points)) {
      for (const id of args.points) collection.points.delete(id as string | number);
    } else {
      throw new HttpError(400, 'fake-qdrant: delete needs { filter } or { points }');
    }
    return completed();
  }

  const selected = (collection: FakeCollection, filter: unknown) =>
    [...collection.points.values()].filter((point) => matches(point.payload, filter));

  const listening = await listenOnLoopback(server);
  return {
    url: listening.origin,
    requests,
    collections,
    failNext: (failure) => {
      failures.push(failure);
    },
    requestsTo: (method, path) =>
      requests.filter((request) => request.method === method && pathMatches(path, request.path)),
    reset: () => {
      requests.length = 0;
      collections.clear();
      failures.length = 0;
    },
    close: listening.close,
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Exact-match filtering: must / must_not / should of `{ key, match: { value } }`, `{ key, match: { any } }`
 * or nested filters.
 */
function matches(payload: Record<string, unknown>, filter: unknown): boolean {
  if (filter === undefined || filter === null) return true;
  const { must, must_not: mustNot, should, ...other } = filter as Record<string, unknown>;
  if (Object.keys(other).length > 0)
    throw new HttpError(400, `fake-qdrant: filter clause ${Object.keys(other).join(', ')} not implemented`);
  const list = (clause: unknown): unknown[] =>
    clause === undefined || clause === null ? [] : Array.isArray(clause) ? clause : [clause];
  const holds = (condition: unknown) => conditionHolds(payload, condition);
  const shoulds = list(should);
  return (
    list(must).every(holds) && !list(mustNot).some(holds) && (shoulds.length === 0 || shoulds.some(holds))
  );
}

function conditionHolds(payload: Record<string, unknown>, condition: unknown): boolean {
  const record = condition as Record<string, unknown>;
  if ('must' in record || 'must_not' in record || 'should' in record) return matches(payload, record);
  const { key, match, ...other } = record as { key?: unknown; match?: unknown };
  const any = (match as { any?: unknown } | undefined)?.any;
  if (typeof key === 'string' && Object.keys(other).length === 0 && Array.isArray(any)) {
    const stored = payload[key];
    return any.some((value) => (Array.isArray(stored) ? stored.includes(value) : stored === value));
  }
  const value = (match as { value?: unknown } | undefined)?.value;
  if (
    typeof key !== 'string' ||
    Object.keys(other).length > 0 ||
    Object.keys((match as object | undefined) ?? {}).join() !== 'value' ||
    !['string', 'number', 'boolean'].includes(typeof value)
  )
    throw new HttpError(400, `fake-qdrant: condition ${JSON.stringify(condition)} not implemented`);
  const stored = payload[key];
  return Array.isArray(stored) ? stored.includes(value) : stored === value;
}

function payloadSelection(
  payload: Record<string, unknown>,
  selection: unknown,
): Record<string, unknown> | null {
  if (selection === true) return payload;
  if (Array.isArray(selection))
    return Object.fromEntries(selection.filter((key) => key in payload).map((key) => [key, payload[key]]));
  if (selection === undefined || selection === false || selection === null) return null;
  throw new HttpError(400, 'fake-qdrant: only true, false or a list of keys is implemented for with_payload');
}

/** Point ids in order, by their text (code units, not locale: ids are hex and dashes). */
function compareIds(a: unknown, b: unknown): number {
  const [left, right] = [String(a), String(b)];
  return left < right ? -1 : left > right ? 1 : 0;
}

function normalise(vector: number[]): number[] {
  const norm = Math.sqrt(dot(vector, vector));
  return norm === 0 ? vector.map(() => 0) : vector.map((value) => value / norm);
}

function dot(a: number[], b: number[]): number {
  return a.reduce((sum, value, i) => sum + value * (b[i] as number), 0);
}
