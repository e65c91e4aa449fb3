import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCartridge } from '../../domain/cartridge';
import { ingestWorkflowId } from '../../domain/documents';
import { CartridgeStore } from '../../stores/relational/cartridges';
import { chunkIdFor } from '../../stores/relational/chunks';
import { createDocumentStores } from '../../stores/relational/documents';
import { migrate } from '../../stores/relational/migrate';
import { openPglite } from '../../stores/relational/pglite';
import { QdrantVectorStore } from '../../stores/vectors/qdrant-vectors';
import { PgVectorStore, type VectorStore } from '../../stores/vectors/vector-store';
import { repoRoot } from '../support/env';

/**
 * The one contract every VectorStore implementation passes. Each implementation contributes a
 * harness; the cases below know only the VectorStore interface and `prepareDocument`.
 */
interface Harness {
  store: VectorStore;
  /**
   * Whatever must exist before a document's vectors can be written and found. pgvector keeps
   * vectors on the chunk rows, so the mission, document and chunks are created and the version
   * marked indexed (searchable); Qdrant needs nothing.
   */
  prepareDocument(
    missionId: string,
    documentId: string,
    contentVersion: number,
    chunks: number,
  ): Promise<void>;
  close(): Promise<void>;
}

async function openPgvector(): Promise<Harness> {
  const sql = await openPglite();
  await migrate(sql);
  const cartridges = new CartridgeStore(sql);
  const { documents, chunks: chunkStore } = createDocumentStores(sql);
  const base = parseCartridge(
    await readFile(join(repoRoot, 'missions', 'default', 'cartridge.yaml'), 'utf8'),
  );
  return {
    store: new PgVectorStore(sql),
    async prepareDocument(missionId, documentId, contentVersion, chunks) {
      // Both are no-ops when repeated: same cartridge, same (mission, sha256).
      await cartridges.activate(
        { ...base, mission: { ...base.mission, id: missionId, name: missionId } },
        'test',
      );
      const sha256 = createHash('sha256').update(documentId).digest('hex');
      await documents.admit({
        missionId,
        documentId,
        sha256,
        sizeBytes: 1,
        mediaType: 'text/plain',
        title: documentId,
        metadata: {},
        blobKey: `contract/${sha256}`,
        cartridgeVersion: 1,
        workflowId: ingestWorkflowId(missionId, documentId),
      });
      const texts = Array.from({ length: chunks }, (_, index) => ({
        index,
        text: `chunk ${index}`,
        heading: null,
      }));
      await chunkStore.insertChunks(missionId, documentId, contentVersion, texts, {
        language: 'english',
        title: null,
      });
      // pgvector answers only searchable chunks. markIndexed would leave one version searchable;
      // the cases here hold several versions' vectors at once, as Qdrant may between swap and clean-up.
      await sql.inMission(missionId, (tx) =>
        tx.query('UPDATE chunks SET searchable = true WHERE mission_id = $1 AND document_id = $2', [
          missionId,
          documentId,
        ]),
      );
    },
    close: () => sql.close(),
  };
}

async function openQdrant(): Promise<Harness> {
  const store = new QdrantVectorStore({
    url: process.env.QDRANT_URL as string,
    apiKey: process.env.QDRANT_API_KEY,
  });
  return { store, prepareDocument: async () => undefined, close: async () => undefined };
}

const model = 'contract-test-v1';
// A real Qdrant keeps its data between runs: every run writes to missions of its own.
const run = `vc${randomBytes(4).toString('hex')}`;
const mission = (label: string) => `${run}-${label}`;
const documentIdOf = (label: string) => createHash('sha256').update(label).digest('hex').slice(0, 32);

/** prepareDocument's chunks read `chunk <index>`: the hash a store without the text compares. */
const contentHashOfChunk = (chunkIndex: number) =>
  createHash('sha256').update(`chunk ${chunkIndex}`).digest('hex');

const qdrantSkipped = process.env.QDRANT_URL ? null : 'QDRANT_URL is not set; no registry ships Qdrant';

// describe.each cannot skip one row, and an unavailable implementation must show as skipped with
// its reason, never vanish from the report: hence a loop choosing describe or describe.skip.
const implementations = [
  { name: 'PgVectorStore (pgvector on PGlite in memory)', open: openPgvector, skipped: null },
  { name: 'QdrantVectorStore', open: openQdrant, skipped: qdrantSkipped },
];

for (const { name, open, skipped } of implementations) {
  if (skipped) describe.skip(`${name} contract (skipped: ${skipped})`, () => contract(open));
  else describe(`${name} contract`, () => contract(open));
}

function contract(open: () => Promise<Harness>): void {
  let harness: Harness;
  const written: Array<[string, string]> = [];

  beforeAll(async () => {
    harness = await open();
  });

  afterAll(async () => {
    if (!harness) return;
    for (const [missionId, documentId] of written) await harness.store.removeDocument(missionId, documentId);
    await harness.close();
  });

  /** Writes one vector per chunk of (mission, document, version); answers the chunk ids. */
  async function write(
    missionId: string,
    documentId: string,
    vectors: number[][],
    contentVersion = 1,
  ): Promise<string[]> {
    await harness.prepareDocument(missionId, documentId, contentVersion, vectors.length);
    const points = vectors.map((vector, chunkIndex) => ({
      chunkId: chunkIdFor(documentId, contentVersion, chunkIndex),
      documentId,
      contentVersion,
      chunkIndex,
      vector,
      contentHash: contentHashOfChunk(chunkIndex),
    }));
    await harness.store.upsert(missionId, model, points);
    written.push([missionId, documentId]);
    return points.map((point) => point.chunkId);
  }

  const searchIds = async (missionId: string, vector: number[], limit = 100) =>
    (await harness.store.search(missionId, model, vector, limit)).map((hit) => hit.chunkId);

  it('ping answers', async () => {
    await expect(harness.store.ping()).resolves.toBeUndefined();
  });

  it('search answers the nearest chunks first, by cosine distance, within the limit', async () => {
    const m = mission('nearest');
    const [east, north, northEast] = await write(m, documentIdOf('compass'), [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [1, 1, 0, 0],
    ]);
    const query = [1, 0.2, 0, 0];
    const hits = await harness.store.search(m, model, query, 10);
    expect(hits.map((hit) => hit.chunkId)).toEqual([east, northEast, north]);
    const norm = Math.hypot(1, 0.2);
    expect(hits.map((hit) => hit.distance)).toEqual([
      expect.closeTo(1 - 1 / norm, 5),
      expect.closeTo(1 - 1.2 / (norm * Math.SQRT2), 5),
      expect.closeTo(1 - 0.2 / norm, 5),
    ]);
    expect(await searchIds(m, query, 2)).toEqual([east, northEast]);
    const [exact] = await harness.store.search(m, model, [0, 3, 0, 0], 1);
    expect(exact?.chunkId).toBe(north);
    expect(exact?.distance).toBeCloseTo(0, 5);
  });

  it('upserting the same points again leaves one vector per chunk; a new vector replaces the old', async () => {
    const m = mission('idempotent');
    const documentId = documentIdOf('twice');
    const vectors = [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
    ];
    const chunkIds = await write(m, documentId, vectors);
    await write(m, documentId, vectors);
    expect((await searchIds(m, [1, 1, 0, 0])).sort()).toEqual([...chunkIds].sort());

    await write(m, documentId, [[0, 0, 0, 1], vectors[1] as number[]]);
    const hits = await harness.store.search(m, model, [0, 0, 0, 1], 10);
    expect(hits).toHaveLength(2);
    expect(hits[0]).toEqual({ chunkId: chunkIds[0], distance: expect.closeTo(0, 5) });
  });

  it('reuseByContent gives waiting chunks the vector of the same text in the mission, and nothing else', async () => {
    const [m, other] = [mission('reuse'), mission('reuse-other')];
    const [first, second] = await write(m, documentIdOf(`${m}:first`), [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
    ]);
    const later = documentIdOf(`${m}:later`);
    await harness.prepareDocument(m, later, 1, 3);
    written.push([m, later]);
    const waiting = [0, 1, 2].map((chunkIndex) => ({
      chunkId: chunkIdFor(later, 1, chunkIndex),
      documentId: later,
      contentVersion: 1,
      chunkIndex,
      contentHash: contentHashOfChunk(chunkIndex),
    }));
    expect(await harness.store.reuseByContent?.(m, 'another-model', 4, waiting)).toEqual([]);
    const reused = await harness.store.reuseByContent?.(m, model, 4, waiting);
    // `chunk 2` was never embedded in the mission: it waits for the embedder.
    expect([...(reused ?? [])].sort()).toEqual([waiting[0]?.chunkId, waiting[1]?.chunkId].sort());
    expect((await searchIds(m, [1, 0, 0, 0], 2)).sort()).toEqual([first, waiting[0]?.chunkId].sort());
    expect(await searchIds(m, [0, 1, 0, 0], 4)).toEqual(
      expect.arrayContaining([second, waiting[1]?.chunkId]),
    );
    // Another mission with the same text has no source.
    const elsewhere = documentIdOf(`${other}:same text`);
    await harness.prepareDocument(other, elsewhere, 1, 1);
    written.push([other, elsewhere]);
    const alone = [{ ...waiting[0]!, chunkId: chunkIdFor(elsewhere, 1, 0), documentId: elsewhere }];
    expect(await harness.store.reuseByContent?.(other, model, 4, alone)).toEqual([]);
  });

  it('a mission sees only its own vectors, even identical ones', async () => {
    const [alpha, beta, gamma] = [mission('alpha'), mission('beta'), mission('gamma')];
    const vector = [0.3, 0.1, 0.9, 0.2];
    const alphaIds = await write(alpha, documentIdOf(`${alpha}:shared`), [vector]);
    const betaIds = await write(beta, documentIdOf(`${beta}:shared`), [vector]);
    expect(await searchIds(alpha, vector)).toEqual(alphaIds);
    expect(await searchIds(beta, vector)).toEqual(betaIds);
    expect(await searchIds(gamma, vector)).toEqual([]);
  });

  it('removeDocument drops every version of the document in its mission, and nothing else', async () => {
    const [m, other] = [mission('remove-all'), mission('remove-all-other')];
    const documentId = documentIdOf('versions');
    await write(m, documentId, [[1, 0, 0, 0]], 1);
    await write(m, documentId, [[1, 0.1, 0, 0]], 2);
    const kept = await write(m, documentIdOf('neighbour'), [[1, 0.2, 0, 0]]);
    // The same document id in another mission.
    const elsewhere = await write(other, documentId, [[1, 0, 0, 0]]);

    await harness.store.removeDocument(m, documentId);
    expect(await searchIds(m, [1, 0, 0, 0])).toEqual(kept);
    expect(await searchIds(other, [1, 0, 0, 0])).toEqual(elsewhere);
  });

  it('removeDocument with exceptContentVersion keeps that version only', async () => {
    const m = mission('remove-except');
    const documentId = documentIdOf('swap');
    await write(
      m,
      documentId,
      [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
      ],
      1,
    );
    const current = await write(
      m,
      documentId,
      [
        [1, 0.1, 0, 0],
        [0, 1, 0.1, 0],
      ],
      2,
    );
    await write(m, documentId, [[1, 0.2, 0, 0]], 3);

    await harness.store.removeDocument(m, documentId, { exceptContentVersion: 2 });
    expect((await searchIds(m, [1, 1, 0, 0])).sort()).toEqual([...current].sort());
  });

  it('removeDocument of a document without vectors changes nothing and does not fail', async () => {
    const m = mission('remove-nothing');
    const kept = await write(m, documentIdOf('stays'), [[0, 0, 1, 0]]);
    await harness.store.removeDocument(m, documentIdOf('never-written'));
    await harness.store.removeDocument(mission('never-seen'), documentIdOf('never-written'));
    expect(await searchIds(m, [0, 0, 1, 0])).toEqual(kept);
  });
}
