import { MissionflowError } from '../../domain/errors';
import {
  dedicatedCollectionName,
  pointIdFor,
  sharedCollectionName,
  uuidV5,
} from '../../stores/vectors/qdrant-naming';
import {
  QdrantError,
  QdrantVectorStore,
  type CollectionMode,
  type QdrantVectorStoreOptions,
} from '../../stores/vectors/qdrant-vectors';
import type { VectorPoint } from '../../stores/vectors/vector-store';
import { startFakeQdrant, type FakeCollection, type FakeQdrant } from '../support/fake-qdrant';
import { freePort } from '../support/services/service';

// The adapter against a fake Qdrant (test/support/fake-qdrant.ts) over real HTTP on loopback.

const model = 'lexical-hash-v1-64';
const shared3 = 'mf_chunks_lexical-hash-v1-64_3';
const missionFilter = (missionId: string) => ({ key: 'mission_id', match: { value: missionId } });
const tenantIndexes = [
  { field_name: 'mission_id', field_schema: { type: 'keyword', is_tenant: true } },
  { field_name: 'document_id', field_schema: { type: 'keyword' } },
  { field_name: 'content_version', field_schema: { type: 'integer', lookup: true, range: false } },
  { field_name: 'content_hash', field_schema: { type: 'keyword' } },
];

let fake: FakeQdrant;

beforeAll(async () => {
  fake = await startFakeQdrant();
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => fake.reset());

const storeFor = (options: Partial<QdrantVectorStoreOptions> = {}) =>
  new QdrantVectorStore({ url: fake.url, checkCompatibility: false, ...options });

function pointsOf(documentId: string, vectors: number[][], contentVersion = 1): VectorPoint[] {
  return vectors.map((vector, chunkIndex) => ({
    chunkId: `${documentId}:${contentVersion}:${chunkIndex}`,
    documentId,
    contentVersion,
    chunkIndex,
    vector,
  }));
}

function collection(name: string): FakeCollection {
  const found = fake.collections.get(name);
  if (!found) throw new Error(`the fake has no collection ${name}`);
  return found;
}

/** Chunk ids in a fake collection, optionally of one mission, sorted. */
function storedChunks(name: string, missionId?: string): string[] {
  return [...collection(name).points.values()]
    .filter((point) => missionId === undefined || point.payload.mission_id === missionId)
    .map((point) => point.payload.chunk_id as string)
    .sort();
}

function precreate(name: string, size: number, payloadSchema: Record<string, unknown> = {}): void {
  fake.collections.set(name, { size, distance: 'Cosine', payloadSchema, points: new Map() });
}

const requestLine = (request: { method: string; path: string }) => `${request.method} ${request.path}`;

describe('point ids', () => {
  it('UUIDv5 matches RFC 9562 (appendix A.4) and Python’s uuid.uuid5 for a non-ASCII name', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    // python3 -c "import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, 'https://missionflow/é'))"
    expect(uuidV5('6ba7b811-9dad-11d1-80b4-00c04fd430c8', 'https://missionflow/é')).toBe(
      '5d94e378-b1d4-5ac7-9802-ff7cff2c46c4',
    );
  });

  it('are UUIDv5 of (mission, document, content version, chunk index): stable, and distinct across each', () => {
    // python3: uuid.uuid5(uuid.UUID('ec3e3070-cf50-4917-98fa-28b3946b5d7a'), 'alpha/doc-1/1/0'), ...
    const expected = {
      alpha: '37dfe72a-2fa0-5967-b9b5-771f11029dde',
      otherMission: '739bc322-b0a9-5963-8ef0-38942ca22353',
      otherVersion: '29d547dd-db23-5f4c-b26b-f1d825f7086b',
      otherIndex: 'af846337-fa57-5a93-bae2-c8f15b9fbff4',
    };
    expect({
      alpha: pointIdFor('alpha', 'doc-1', 1, 0),
      otherMission: pointIdFor('beta', 'doc-1', 1, 0),
      otherVersion: pointIdFor('alpha', 'doc-1', 2, 0),
      otherIndex: pointIdFor('alpha', 'doc-1', 1, 1),
    }).toEqual(expected);
    expect(new Set(Object.values(expected)).size).toBe(4);
  });
});

describe('collection names', () => {
  it('are mf_chunks_<model>_<dimensions>, the model kept as is when it is already safe', () => {
    expect(sharedCollectionName(model, 64)).toBe('mf_chunks_lexical-hash-v1-64_64');
  });

  it('sanitise the model to [a-z0-9_-] and add a hash of the original when that loses information', () => {
    // python3 -c "import hashlib; print(hashlib.sha256(b'openai:text-embedding-3-small').hexdigest()[:8])"
    expect(sharedCollectionName('openai:text-embedding-3-small', 1536)).toBe(
      'mf_chunks_openai_text-embedding-3-small_132948fc_1536',
    );
    expect(sharedCollectionName('BAAI/bge-small-en-v1.5', 384)).toBe(
      'mf_chunks_baai_bge-small-en-v1_5_fd820408_384',
    );
    const names = ['a:b', 'a/b', 'a_b', 'A_B'].map((name) => sharedCollectionName(name, 3));
    expect(names.slice(0, 3)).toEqual([
      'mf_chunks_a_b_6783a31e_3',
      'mf_chunks_a_b_c14cddc0_3',
      'mf_chunks_a_b_3',
    ]);
    expect(new Set(names).size).toBe(4);
  });

  it('stay short and safe whatever the model is called', () => {
    for (const name of ['x'.repeat(300), '///', 'モデル', 'a'.repeat(64) + 'b', 'a'.repeat(64) + 'c']) {
      const collectionName = sharedCollectionName(name, 1024);
      expect(collectionName).toMatch(/^mf_chunks_[a-z0-9_-]+_1024$/);
      expect(collectionName.length).toBeLessThanOrEqual(100);
    }
    expect(sharedCollectionName('a'.repeat(64) + 'b', 3)).not.toBe(
      sharedCollectionName('a'.repeat(64) + 'c', 3),
    );
  });

  it('are mf_<mission>_<model>_<dimensions> for a dedicated collection, never inside the shared prefix', () => {
    expect(dedicatedCollectionName('alpha', model, 3)).toBe('mf_alpha_lexical-hash-v1-64_3');
    expect(dedicatedCollectionName('chunks-x', model, 3)).toBe('mf_chunks-x_lexical-hash-v1-64_3');
    expect(() => dedicatedCollectionName('chunks', model, 3)).toThrow(/shared collections' prefix/);
    expect(() => dedicatedCollectionName('chunks_x', model, 3)).toThrow(/shared collections' prefix/);
  });
});

describe('upsert', () => {
  it('first creates the collection with cosine distance and the tenant index, then reuses it', async () => {
    const store = storeFor();
    await store.upsert('alpha', model, pointsOf('doc-1', [[1, 0, 0]]));
    const base = `/collections/${shared3}`;
    expect(fake.requests.map(requestLine)).toEqual([
      `GET ${base}`,
      `PUT ${base}`,
      `PUT ${base}/index`,
      `PUT ${base}/index`,
      `PUT ${base}/index`,
      `PUT ${base}/index`,
      `PUT ${base}/points`,
    ]);
    const [, create, ...rest] = fake.requests;
    expect(create?.body).toEqual({ vectors: { size: 3, distance: 'Cosine' } });
    const indexes = rest.slice(0, 4);
    expect(indexes.map((request) => request.body)).toEqual(tenantIndexes);
    expect(indexes.every((request) => request.query.wait === 'true')).toBe(true);
    expect(collection(shared3).payloadSchema.mission_id).toEqual({ type: 'keyword', is_tenant: true });

    const upsert = fake.requests[6];
    expect(upsert?.query.wait).toBe('true');
    expect(upsert?.body).toEqual({
      points: [
        {
          id: pointIdFor('alpha', 'doc-1', 1, 0),
          vector: [1, 0, 0],
          payload: {
            mission_id: 'alpha',
            document_id: 'doc-1',
            content_version: 1,
            chunk_index: 0,
            chunk_id: 'doc-1:1:0',
            model,
          },
        },
      ],
    });

    fake.requests.length = 0;
    await store.upsert('beta', model, pointsOf('doc-2', [[0, 1, 0]]));
    expect(fake.requests.map(requestLine)).toEqual([`PUT ${base}/points`]);
  });

  it('checks a collection that already exists instead of creating it, and adds the indexes it lacks', async () => {
    precreate(shared3, 3, { mission_id: { type: 'keyword', is_tenant: true } });
    await storeFor().upsert('alpha', model, pointsOf('doc-1', [[1, 0, 0]]));
    const base = `/collections/${shared3}`;
    expect(fake.requests.map(requestLine)).toEqual([
      `GET ${base}`,
      `PUT ${base}/index`,
      `PUT ${base}/index`,
      `PUT ${base}/index`,
      `PUT ${base}/points`,
    ]);
    expect(fake.requests.slice(1, 4).map((request) => request.body)).toEqual(tenantIndexes.slice(1));
  });

  it('takes "already exists" from a concurrent creator as success', async () => {
    precreate(shared3, 3, {
      mission_id: { type: 'keyword', is_tenant: true },
      document_id: { type: 'keyword' },
      content_version: { type: 'integer', lookup: true, range: false },
    });
    // The first look misses the collection another process is about to finish creating.
    fake.failNext({
      method: 'GET',
      path: `/collections/${shared3}`,
      status: 404,
      error: `Not found: Collection \`${shared3}\` doesn't exist!`,
    });
    await storeFor().upsert('alpha', model, pointsOf('doc-1', [[1, 0, 0]]));
    expect(fake.requestsTo('PUT', `/collections/${shared3}`)).toHaveLength(1);
    expect(storedChunks(shared3)).toEqual(['doc-1:1:0']);
  });

  it('creates a collection once for concurrent upserts in one process; two processes racing both succeed', async () => {
    const store = storeFor();
    await Promise.all(
      ['d1', 'd2', 'd3', 'd4', 'd5'].map((doc) => store.upsert('alpha', model, pointsOf(doc, [[1, 2, 3]]))),
    );
    expect(fake.requestsTo('PUT', `/collections/${shared3}`)).toHaveLength(1);
    expect(storedChunks(shared3)).toHaveLength(5);

    fake.reset();
    await Promise.all([
      storeFor().upsert('alpha', model, pointsOf('d1', [[1, 2, 3]])),
      storeFor().upsert('beta', model, pointsOf('d2', [[1, 2, 3]])),
    ]);
    expect(storedChunks(shared3)).toEqual(['d1:1:0', 'd2:1:0']);
    expect(collection(shared3).payloadSchema.mission_id).toEqual({ type: 'keyword', is_tenant: true });
  });

  it('refuses an existing collection whose vectors do not match', async () => {
    precreate(shared3, 4);
    await expect(storeFor().upsert('alpha', model, pointsOf('doc-1', [[1, 0, 0]]))).rejects.toThrow(
      /mf_chunks_lexical-hash-v1-64_3 exists with vectors \{"size":4,"distance":"Cosine"\}/,
    );
    expect(fake.requestsTo('PUT', /\/points$/)).toHaveLength(0);
  });

  it('is idempotent: the same points twice leave one point each, and a new vector replaces the old', async () => {
    const store = storeFor();
    const points = pointsOf('doc-1', [
      [1, 0, 0],
      [0, 1, 0],
    ]);
    await store.upsert('alpha', model, points);
    await store.upsert('alpha', model, points);
    expect(collection(shared3).points.size).toBe(2);
    expect([...collection(shared3).points.keys()].sort()).toEqual(
      [pointIdFor('alpha', 'doc-1', 1, 0), pointIdFor('alpha', 'doc-1', 1, 1)].sort(),
    );

    await store.upsert('alpha', model, pointsOf('doc-1', [[0, 0, 1]]));
    expect(collection(shared3).points.size).toBe(2);
    const [nearest] = await store.search('alpha', model, [0, 0, 1], 1);
    expect(nearest?.chunkId).toBe('doc-1:1:0');
    expect(nearest?.distance).toBeCloseTo(0, 6);
  });

  it('sends 256 points per request by default, and the configured batch size otherwise', async () => {
    const vectors = Array.from({ length: 600 }, (_, i) => [i + 1, 1, 0]);
    await storeFor().upsert('alpha', model, pointsOf('big', vectors));
    const batches = fake.requestsTo('PUT', `/collections/${shared3}/points`);
    expect(batches.map((request) => (request.body as { points: unknown[] }).points.length)).toEqual([
      256, 256, 88,
    ]);
    expect(batches.every((request) => request.query.wait === 'true')).toBe(true);
    expect(collection(shared3).points.size).toBe(600);

    fake.requests.length = 0;
    await storeFor({ batchSize: 100 }).upsert('beta', model, pointsOf('big', vectors));
    expect(fake.requestsTo('PUT', `/collections/${shared3}/points`)).toHaveLength(6);
    expect(() => storeFor({ batchSize: 0 })).toThrow(/batchSize/);
  });

  it('creates the collection again when it was dropped behind the process’s back', async () => {
    const store = storeFor();
    await store.upsert('alpha', model, pointsOf('doc-1', [[1, 0, 0]]));
    fake.collections.delete(shared3);
    await store.upsert('alpha', model, pointsOf('doc-2', [[1, 0, 0]]));
    expect(storedChunks(shared3)).toEqual(['doc-2:1:0']);
    expect(collection(shared3).payloadSchema.mission_id).toEqual({ type: 'keyword', is_tenant: true });
  });

  it('refuses points no collection could hold, before sending anything', async () => {
    const store = storeFor();
    const mixed = [...pointsOf('doc-1', [[1, 0, 0]]), ...pointsOf('doc-2', [[1, 0]])];
    await expect(store.upsert('alpha', model, mixed)).rejects.toThrow(
      /2 dimensions; every point of one upsert needs 3/,
    );
    const fractional = pointsOf('doc-1', [[1, 0, 0]]).map((point) => ({ ...point, chunkIndex: 0.5 }));
    await expect(store.upsert('alpha', model, fractional)).rejects.toThrow(/chunkIndex/);
    await expect(store.upsert('alpha', model, pointsOf('doc-1', [[1, NaN, 0]]))).rejects.toThrow(
      /non-finite/,
    );
    await store.upsert('alpha', model, []);
    expect(fake.requests).toEqual([]);
  });
});

describe('reuseByContent', () => {
  const waiting = (documentId: string, hashes: string[]) =>
    hashes.map((contentHash, chunkIndex) => ({
      chunkId: `${documentId}:1:${chunkIndex}`,
      documentId,
      contentVersion: 1,
      chunkIndex,
      contentHash,
    }));
  const withHashes = (points: VectorPoint[], hashes: string[]) =>
    points.map((point, i) => ({ ...point, contentHash: hashes[i] }));

  it('copies the vector of a point of the mission made from the same text, and records the hash', async () => {
    const store = storeFor();
    await store.upsert(
      'alpha',
      model,
      withHashes(
        pointsOf('doc-a', [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ]),
        ['h-licence', 'h-own'],
      ),
    );
    await store.upsert('beta', model, withHashes(pointsOf('doc-x', [[1, 1, 0]]), ['h-beta']));
    const reused = await store.reuseByContent(
      'alpha',
      model,
      3,
      waiting('doc-b', ['h-licence', 'h-beta', 'h-new']),
    );
    // Only the mission's own points are sources; the third point of doc-a has no hash and is none.
    expect(reused).toEqual(['doc-b:1:0']);
    const copy = collection(shared3).points.get(pointIdFor('alpha', 'doc-b', 1, 0));
    expect(copy?.vector).toEqual([1, 0, 0]);
    expect(copy?.payload).toMatchObject({
      mission_id: 'alpha',
      chunk_id: 'doc-b:1:0',
      content_hash: 'h-licence',
    });
    const [scroll] = fake.requestsTo('POST', `/collections/${shared3}/points/scroll`);
    expect(scroll?.body).toMatchObject({
      filter: {
        must: [
          missionFilter('alpha'),
          { key: 'content_hash', match: { any: ['h-licence', 'h-beta', 'h-new'] } },
        ],
      },
      with_vector: true,
    });
    expect(collection(shared3).payloadSchema.content_hash).toEqual({ type: 'keyword' });
  });

  it('pages on, asking only for hashes not yet found, while a common text fills the first page', async () => {
    const store = storeFor();
    const common = Array.from({ length: 300 }, (_, i) => [i + 1, 1, 0]);
    await store.upsert(
      'alpha',
      model,
      withHashes(
        pointsOf('boilerplate', common),
        common.map(() => 'h-common'),
      ),
    );
    await store.upsert('alpha', model, withHashes(pointsOf('rare', [[0, 0, 1]]), ['h-rare']));
    const reused = await store.reuseByContent('alpha', model, 3, waiting('doc-b', ['h-common', 'h-rare']));
    expect(reused.sort()).toEqual(['doc-b:1:0', 'doc-b:1:1']);
    expect(collection(shared3).points.get(pointIdFor('alpha', 'doc-b', 1, 1))?.vector).toEqual([0, 0, 1]);
    const scrolls = fake.requestsTo('POST', `/collections/${shared3}/points/scroll`);
    const asked = scrolls.map(
      (request) =>
        (request.body as { filter: { must: Array<{ match: { any?: string[] } }> } }).filter.must[1]?.match
          .any,
    );
    // The page of 256 may or may not hold the rare text: every later page asks for what is missing.
    expect(asked[0]).toEqual(['h-common', 'h-rare']);
    for (const later of asked.slice(1)) expect(later).toEqual(['h-rare']);
  });

  it('finds nothing where the model has no points yet, and sends nothing for no chunks', async () => {
    const store = storeFor();
    expect(await store.reuseByContent('alpha', model, 3, [])).toEqual([]);
    expect(fake.requests).toHaveLength(0);
    expect(await store.reuseByContent('alpha', model, 3, waiting('doc-b', ['h-new']))).toEqual([]);
    expect(collection(shared3).points.size).toBe(0);
  });
});

describe('search', () => {
  it('always filters on the mission and answers chunk ids by cosine distance (1 - score), best first', async () => {
    const store = storeFor();
    await store.upsert(
      'alpha',
      model,
      pointsOf('a', [
        [1, 0, 0],
        [0, 1, 0],
        [1, 1, 0],
      ]),
    );
    await store.upsert('beta', model, pointsOf('b', [[1, 0, 0]]));

    const hits = await store.search('alpha', model, [1, 0.1, 0], 2);
    expect(hits.map((hit) => hit.chunkId)).toEqual(['a:1:0', 'a:1:2']);
    expect(hits[0]?.distance).toBeCloseTo(1 - 1 / Math.hypot(1, 0.1), 6);
    expect(hits[1]?.distance).toBeCloseTo(1 - 1.1 / (Math.hypot(1, 0.1) * Math.SQRT2), 6);
    const [query] = fake.requestsTo('POST', `/collections/${shared3}/points/query`);
    expect(query?.body).toEqual({
      query: [1, 0.1, 0],
      filter: { must: [missionFilter('alpha')] },
      limit: 2,
      with_payload: ['chunk_id'],
    });

    expect(await store.search('beta', model, [1, 0, 0], 10)).toEqual([
      { chunkId: 'b:1:0', distance: expect.any(Number) },
    ]);
    expect(await store.search('gamma', model, [1, 0, 0], 10)).toEqual([]);
    const searches = fake.requestsTo('POST', /\/points\/(query|search)$/);
    expect(searches).toHaveLength(3);
    expect(searches.map((request) => (request.body as { filter: unknown }).filter)).toEqual(
      ['alpha', 'beta', 'gamma'].map((missionId) => ({ must: [missionFilter(missionId)] })),
    );
  });

  it('finds nothing, without error or side effect, where no collection exists yet', async () => {
    const store = storeFor();
    expect(await store.search('alpha', 'never-used', [1, 0, 0], 5)).toEqual([]);
    expect(await store.search('alpha', model, [1, 0, 0], 0)).toEqual([]);
    expect(fake.collections.size).toBe(0);
  });
});

describe('removeDocument', () => {
  async function seed() {
    const store = storeFor();
    await store.upsert(
      'alpha',
      model,
      pointsOf(
        'doc-1',
        [
          [1, 0, 0],
          [0, 1, 0],
        ],
        1,
      ),
    );
    await store.upsert('alpha', model, pointsOf('doc-1', [[1, 0, 0]], 2));
    await store.upsert('alpha', model, pointsOf('doc-2', [[1, 0, 0]]));
    // The same document id in another mission.
    await store.upsert('beta', model, pointsOf('doc-1', [[1, 0, 0]]));
    fake.requests.length = 0;
    return store;
  }

  it('deletes the document’s points in the mission, every version, by filter and waiting', async () => {
    const store = await seed();
    await store.removeDocument('alpha', 'doc-1');
    const deletes = fake.requestsTo('POST', `/collections/${shared3}/points/delete`);
    expect(deletes).toHaveLength(1);
    expect(deletes[0]?.query.wait).toBe('true');
    expect(deletes[0]?.body).toEqual({
      filter: { must: [missionFilter('alpha'), { key: 'document_id', match: { value: 'doc-1' } }] },
    });
    expect(storedChunks(shared3, 'alpha')).toEqual(['doc-2:1:0']);
    expect(storedChunks(shared3, 'beta')).toEqual(['doc-1:1:0']);
  });

  it('keeps the version named by exceptContentVersion', async () => {
    const store = await seed();
    await store.removeDocument('alpha', 'doc-1', { exceptContentVersion: 2 });
    const [request] = fake.requestsTo('POST', `/collections/${shared3}/points/delete`);
    expect(request?.body).toEqual({
      filter: {
        must: [missionFilter('alpha'), { key: 'document_id', match: { value: 'doc-1' } }],
        must_not: [{ key: 'content_version', match: { value: 2 } }],
      },
    });
    expect(storedChunks(shared3, 'alpha')).toEqual(['doc-1:2:0', 'doc-2:1:0']);
    expect(storedChunks(shared3, 'beta')).toEqual(['doc-1:1:0']);
  });

  it('reaches every model’s collection, leaves foreign collections alone, and tolerates missing ones', async () => {
    const store = storeFor();
    await store.removeDocument('alpha', 'doc-1');
    expect(fake.requests.map(requestLine)).toEqual(['GET /collections']);

    await store.upsert('alpha', model, pointsOf('doc-1', [[1, 0, 0]]));
    await store.upsert('alpha', 'other-model', pointsOf('doc-1', [[1, 0, 0, 0]]));
    precreate('someone_elses_collection', 3);
    fake.requests.length = 0;
    await store.removeDocument('alpha', 'doc-1');
    expect(
      fake
        .requestsTo('POST', /\/points\/delete$/)
        .map((request) => request.path)
        .sort(),
    ).toEqual([
      `/collections/${shared3}/points/delete`,
      '/collections/mf_chunks_other-model_4/points/delete',
    ]);
    expect(collection(shared3).points.size + collection('mf_chunks_other-model_4').points.size).toBe(0);

    // Dropped between the listing and the delete.
    fake.failNext({
      method: 'POST',
      path: `/collections/${shared3}/points/delete`,
      status: 404,
      error: `Not found: Collection \`${shared3}\` doesn't exist!`,
    });
    await expect(store.removeDocument('alpha', 'doc-1')).resolves.toBeUndefined();
  });
});

describe('dedicated collections', () => {
  const dedicated = 'mf_secret_lexical-hash-v1-64_3';
  const modes = async (missionId: string): Promise<CollectionMode> =>
    missionId === 'secret' ? 'dedicated' : 'shared';

  it('hold a dedicated mission’s points in mf_<mission>_<model>_<dim>, still tenant-indexed and filtered', async () => {
    const store = storeFor({ collectionMode: modes });
    await store.upsert('secret', model, pointsOf('doc-1', [[1, 0, 0]]));
    await store.upsert('alpha', model, pointsOf('doc-1', [[1, 0, 0]]));
    expect([...fake.collections.keys()].sort()).toEqual([shared3, dedicated]);
    expect(storedChunks(dedicated, 'secret')).toEqual(['doc-1:1:0']);
    expect(storedChunks(shared3)).toEqual(['doc-1:1:0']);
    expect(collection(shared3).points.values().next().value?.payload.mission_id).toBe('alpha');
    expect(fake.requestsTo('PUT', `/collections/${dedicated}/index`).map((request) => request.body)).toEqual(
      tenantIndexes,
    );

    expect((await store.search('secret', model, [1, 0, 0], 5)).map((hit) => hit.chunkId)).toEqual([
      'doc-1:1:0',
    ]);
    const [query] = fake.requestsTo('POST', `/collections/${dedicated}/points/query`);
    expect((query?.body as { filter: unknown }).filter).toEqual({ must: [missionFilter('secret')] });

    await store.removeDocument('secret', 'doc-1');
    expect(fake.requestsTo('POST', `/collections/${dedicated}/points/delete`)).toHaveLength(1);
    expect(collection(dedicated).points.size).toBe(0);
    expect(storedChunks(shared3)).toEqual(['doc-1:1:0']);
  });

  it('reject a collectionMode answer other than shared or dedicated, and a dedicated mission named chunks', async () => {
    const odd = storeFor({ collectionMode: () => 'private' as 'shared' });
    await expect(odd.upsert('alpha', model, pointsOf('doc-1', [[1, 0, 0]]))).rejects.toThrow(
      /collectionMode answered "private"/,
    );
    const allDedicated = storeFor({ collectionMode: () => 'dedicated' });
    await expect(allDedicated.search('chunks', model, [1, 0, 0], 5)).rejects.toThrow(
      /shared collections' prefix/,
    );
    expect(fake.requests).toEqual([]);
  });
});

describe('mission ids', () => {
  it.each(['', 'Alpha', 'a/b', 'a b', '../x', 'x'.repeat(49), 'é', 'a\nb'])(
    '%j is refused by every operation before any request',
    async (missionId) => {
      const store = storeFor();
      for (const attempt of [
        store.upsert(missionId, model, pointsOf('doc-1', [[1, 0, 0]])),
        store.search(missionId, model, [1, 0, 0], 5),
        store.removeDocument(missionId, 'doc-1'),
      ]) {
        const error = await attempt.then(
          () => null,
          (failure: unknown) => failure,
        );
        expect(error).toBeInstanceOf(MissionflowError);
        expect((error as MissionflowError).code).toBe('invalid_request');
      }
      expect(fake.requests).toEqual([]);
    },
  );
});

describe('Qdrant errors', () => {
  it('surface as an Error carrying Qdrant’s message and status', async () => {
    const store = storeFor();
    await store.upsert('alpha', model, pointsOf('doc-1', [[1, 0, 0]]));
    const explanation = 'Wrong input: Vector dimension error: expected dim: 3, got 4';
    fake.failNext({ method: 'PUT', path: `/collections/${shared3}/points`, status: 400, error: explanation });
    const error = await store.upsert('alpha', model, pointsOf('doc-2', [[1, 0, 0]])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QdrantError);
    expect(error).toBeInstanceOf(Error);
    expect((error as QdrantError).status).toBe(400);
    expect((error as Error).message).toBe(`Qdrant upsert on ${shared3} failed (HTTP 400): ${explanation}`);

    fake.failNext({
      method: 'POST',
      path: /\/points\/query$/,
      status: 500,
      error: 'Service internal error: disk full',
    });
    await expect(store.search('alpha', model, [1, 0, 0], 3)).rejects.toThrow(
      'failed (HTTP 500): Service internal error: disk full',
    );
  });

  it('do not poison the collection cache: a failed creation is tried again', async () => {
    const store = storeFor();
    fake.failNext({
      method: 'PUT',
      path: `/collections/${shared3}`,
      status: 500,
      error: 'Service internal error: busy',
    });
    await expect(store.upsert('alpha', model, pointsOf('doc-1', [[1, 0, 0]]))).rejects.toThrow(/busy/);
    await store.upsert('alpha', model, pointsOf('doc-1', [[1, 0, 0]]));
    expect(storedChunks(shared3)).toEqual(['doc-1:1:0']);
  });

  it('include the cause when Qdrant cannot be reached', async () => {
    const store = new QdrantVectorStore({ url: 'http://127.0.0.1:1', checkCompatibility: false });
    const error = await store.search('alpha', model, [1, 0, 0], 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QdrantError);
    expect((error as QdrantError).status).toBeUndefined();
    expect((error as Error).cause).toBeDefined();
    expect((error as Error).message).toMatch(/^Qdrant query on mf_chunks_lexical-hash-v1-64_3 failed: /);
  });
});

describe('ping', () => {
  it('lists Qdrant’s collections (which needs the API key) and answers when it can', async () => {
    await expect(storeFor().ping()).resolves.toBeUndefined();
    expect(fake.requestsTo('GET', '/collections')).toHaveLength(1);
  });

  it('rejects with Qdrant’s explanation when it answers with an error', async () => {
    fake.failNext({
      method: 'GET',
      path: '/collections',
      status: 503,
      error: 'Service unavailable: starting up',
    });
    await expect(storeFor().ping()).rejects.toThrow(
      'Qdrant collection list (GET /collections) failed (HTTP 503): Service unavailable: starting up',
    );
  });

  it('rejects, saying why, when nothing listens', async () => {
    const store = new QdrantVectorStore({
      url: `http://127.0.0.1:${await freePort()}`,
      checkCompatibility: false,
    });
    const error = await store.ping().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QdrantError);
    expect((error as Error).message).toMatch(
      /^Qdrant collection list \(GET \/collections\) failed: fetch failed \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/,
    );
  });
});
