import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCartridge, type Cartridge } from '../../domain/cartridge';
import type { Chunk } from '../../domain/chunking';
import { ingestWorkflowId } from '../../domain/documents';
import { lexicalEmbedding } from '../../domain/lexical-embedding';
import { CartridgeStore } from '../../stores/relational/cartridges';
import { chunkIdFor, type ChunkStore } from '../../stores/relational/chunks';
import type { LexicalIndex } from '../../stores/relational/lexical-index';
import type { DocumentVersionStore } from '../../stores/relational/document-versions';
import {
  createDocumentStores,
  decodeCursor,
  type DocumentStore,
  type NewDocument,
} from '../../stores/relational/documents';
import type { StepLog } from '../../stores/relational/step-log';
import { documentIdForExternal } from '../../stores/ids';
import { migrations } from '../../stores/relational/migrations';
import { assertRowLevelSecurityHolds, openPostgres } from '../../stores/relational/postgres';
import { openPglite } from '../../stores/relational/pglite';
import type { SqlClient } from '../../stores/relational/sql';
import { PgVectorStore, type VectorStore } from '../../stores/vectors/vector-store';
import { repoRoot, testEnv } from '../support/env';
import { relationalBackends, testDocument, type Backend, type Database } from '../support/relational';

const model = 'lexical-hash-v1-64';
const dimensions = 64;

let sql: SqlClient;
let cartridges: CartridgeStore;
let documents: DocumentStore;
let versions: DocumentVersionStore;
let steps: StepLog;
let chunkStore: ChunkStore;
let lexicalIndex: LexicalIndex;
let baseCartridge: Cartridge;

const rawIn = async <Row = Record<string, unknown>>(
  missionId: string,
  text: string,
  params: unknown[] = [],
) => sql.inMission(missionId, (tx) => tx.query<Row>(text, params));

beforeAll(async () => {
  baseCartridge = parseCartridge(
    await readFile(join(repoRoot, 'missions', 'default', 'cartridge.yaml'), 'utf8'),
  );
});

function cartridgeFor(missionId: string, changes: Partial<Cartridge> = {}): Cartridge {
  return {
    ...baseCartridge,
    ...changes,
    mission: { ...baseCartridge.mission, id: missionId, name: missionId },
  };
}

function newDocument(missionId: string, content: string): NewDocument {
  return testDocument(missionId, content, {
    title: `title of ${content.slice(0, 20)}`,
    metadata: { source: 'test' },
  });
}

const chunksOf = (...texts: string[]): Chunk[] =>
  texts.map((text, index) => ({ index, text, heading: index === 0 ? 'Intro' : null }));

/** Admits a document, stores its chunks (and vectors, given a vector store), and marks it indexed. */
async function indexDocument(
  missionId: string,
  texts: string[],
  vectors?: VectorStore,
): Promise<NewDocument> {
  const doc = newDocument(missionId, texts.join('\n'));
  await documents.admit(doc);
  await chunkStore.insertChunks(missionId, doc.documentId, 1, chunksOf(...texts), {
    language: 'english',
    title: null,
  });
  const pending = await chunkStore.chunksToEmbed(missionId, doc.documentId, 1, model, 100);
  await vectors?.upsert(missionId, model, pointsFor(doc.documentId, pending));
  await chunkStore.markEmbedded(
    missionId,
    pending.map((chunk) => chunk.chunkId),
    model,
  );
  await documents.markIndexed(missionId, doc.documentId, 1);
  return doc;
}

function pointsFor(documentId: string, chunks: Array<{ chunkId: string; chunkIndex: number; text: string }>) {
  return chunks.map((chunk) => ({
    chunkId: chunk.chunkId,
    documentId,
    contentVersion: 1,
    chunkIndex: chunk.chunkIndex,
    vector: lexicalEmbedding(chunk.text, dimensions),
  }));
}

const backends = relationalBackends;

/** A fresh, migrated database with the stores over it (as the platform uses them) and missions. */
async function openStores(backend: Backend, missionIds: string[]): Promise<Database> {
  const database = await backend.openFresh();
  await database.migrate();
  sql = database.app;
  cartridges = new CartridgeStore(sql);
  ({ documents, versions, steps, chunks: chunkStore, lexical: lexicalIndex } = createDocumentStores(sql));
  for (const id of missionIds) await cartridges.activate(cartridgeFor(id), 'test');
  return database;
}

describe.each(backends)('relational stores on $name', (backend) => {
  let database: Database;

  beforeAll(async () => {
    database = await openStores(backend, ['alpha', 'beta', 'paging', 'paging-micro', 'ranking']);
  });

  afterAll(async () => {
    await database?.close();
  });

  describe('migrations', () => {
    it('apply once; a second run applies nothing', async () => {
      const fresh = await backend.openFresh();
      try {
        const expected = migrations
          .filter((migration) => backend.hasPgvector || migration.requiresExtension !== 'vector')
          .map((migration) => migration.version);
        expect(await fresh.migrate()).toEqual(expected);
        expect(await fresh.migrate()).toEqual([]);
        const { rows } = await fresh.owner.query<{ version: number }>(
          'SELECT version FROM schema_migrations ORDER BY version',
        );
        expect(rows.map((row) => row.version)).toEqual(expected);
      } finally {
        await fresh.close();
      }
    });

    it('processes starting at once apply each migration exactly once', async () => {
      const fresh = await backend.openFresh();
      try {
        const runs = await Promise.all([fresh.migrate(), fresh.migrate(), fresh.migrate()]);
        const applied = runs.flat().sort((a, b) => a - b);
        expect(applied).toEqual([...new Set(applied)]);
        expect(applied.length).toBeGreaterThan(0);
      } finally {
        await fresh.close();
      }
    });
  });

  describe('CartridgeStore', () => {
    it('keeps the version when the same cartridge is activated again, and adds one when it changes', async () => {
      const first = await cartridges.activate(cartridgeFor('versions'), 'missions/versions/cartridge.yaml');
      expect(first).toEqual({ version: 1, changed: true });
      expect(await cartridges.activate(cartridgeFor('versions'), 'again')).toEqual({
        version: 1,
        changed: false,
      });

      const changed = cartridgeFor('versions', { chunking: { size: 800, overlap: 80 } });
      expect(await cartridges.activate(changed, 'api')).toEqual({ version: 2, changed: true });
      expect(await cartridges.activate(changed, 'api')).toEqual({ version: 2, changed: false });

      const active = await cartridges.activeVersion('versions');
      expect(active).toMatchObject({ missionId: 'versions', version: 2, source: 'api' });
      expect(active?.cartridge.chunking).toEqual({ size: 800, overlap: 80 });
      expect((await cartridges.version('versions', 1))?.cartridge.chunking).toEqual(baseCartridge.chunking);
    });

    it('going back to an earlier cartridge makes a new version, not a rollback', async () => {
      const original = cartridgeFor('flipflop');
      const changed = cartridgeFor('flipflop', { lanes: ['standard'], chunking: { size: 500, overlap: 0 } });
      await cartridges.activate(original, 'a');
      await cartridges.activate(changed, 'b');
      expect(await cartridges.activate(original, 'c')).toEqual({ version: 3, changed: true });
    });

    it('concurrent activations of different cartridges take distinct versions', async () => {
      const results = await Promise.all(
        [300, 400, 500, 600].map((size) =>
          cartridges.activate(cartridgeFor('racing', { chunking: { size, overlap: 0 } }), `size ${size}`),
        ),
      );
      expect(results.map((result) => result.version).sort()).toEqual([1, 2, 3, 4]);
    });

    it('answers null for a mission or version that does not exist', async () => {
      expect(await cartridges.activeVersion('nobody')).toBeNull();
      expect(await cartridges.version('alpha', 99)).toBeNull();
    });

    it('lists missions with their active version, ordered by id', async () => {
      const missions = await cartridges.listMissions();
      const ids = missions.map((mission) => mission.missionId);
      expect(ids).toEqual([...ids].sort());
      expect(missions.find((mission) => mission.missionId === 'alpha')).toMatchObject({
        name: 'alpha',
        activeVersion: 1,
      });
      expect(missions.find((mission) => mission.missionId === 'versions')?.activeVersion).toBe(2);
    });
  });

  describe('DocumentStore admission', () => {
    it('admits the same bytes to one mission once', async () => {
      const doc = newDocument('alpha', 'admitted twice');
      const first = await documents.admit(doc);
      expect(first.created).toBe(true);
      expect(first.document).toMatchObject({
        missionId: 'alpha',
        documentId: doc.documentId,
        status: 'received',
        sizeBytes: doc.sizeBytes,
        metadata: { source: 'test' },
        contentVersion: 1,
        error: null,
        indexedAt: null,
      });
      const second = await documents.admit({ ...doc, title: 'another title' });
      expect(second.created).toBe(false);
      expect(second.document.title).toBe(doc.title);
      expect(second.document.createdAt).toBe(first.document.createdAt);
    });

    it('creates exactly one document from 10 concurrent admissions', async () => {
      const doc = newDocument('alpha', 'admitted concurrently');
      const results = await Promise.all(Array.from({ length: 10 }, () => documents.admit(doc)));
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result.document.documentId))).toEqual(new Set([doc.documentId]));
      const { rows } = await rawIn('alpha', 'SELECT count(*)::int AS n FROM documents WHERE sha256 = $1', [
        doc.sha256,
      ]);
      expect(rows[0]?.n).toBe(1);
    });

    it('admits the same bytes separately to two missions', async () => {
      const inAlpha = await documents.admit(newDocument('alpha', 'shared bytes'));
      const inBeta = await documents.admit(newDocument('beta', 'shared bytes'));
      expect(inAlpha.created && inBeta.created).toBe(true);
      expect(inAlpha.document.documentId).not.toBe(inBeta.document.documentId);
      expect(await documents.get('beta', inAlpha.document.documentId)).toBeNull();
    });

    it('marks a document failed with its error, and indexed clears it', async () => {
      const doc = newDocument('alpha', 'will fail');
      await documents.admit(doc);
      await documents.markFailed('alpha', doc.documentId, 'parse_failed', 'x'.repeat(5000));
      const failed = await documents.get('alpha', doc.documentId);
      expect(failed?.status).toBe('failed');
      expect(failed?.error?.code).toBe('parse_failed');
      expect(failed?.error?.message).toHaveLength(2000);

      await documents.markIndexed('alpha', doc.documentId, 1);
      const indexed = await documents.get('alpha', doc.documentId);
      expect(indexed).toMatchObject({ status: 'indexed', error: null, chunkCount: 0 });
      expect(indexed?.indexedAt).not.toBeNull();
    });

    it('markFailed in one mission does not touch a document of another', async () => {
      const doc = newDocument('beta', 'beta keeps its status');
      await documents.admit(doc);
      await documents.markFailed('alpha', doc.documentId, 'internal', 'wrong mission');
      expect((await documents.get('beta', doc.documentId))?.status).toBe('received');
    });
  });

  describe('DocumentStore updates by external id', () => {
    const update = (text: string, externalId = 'report-7'): NewDocument => {
      const documentId = documentIdForExternal('alpha', externalId);
      return {
        ...newDocument('alpha', text),
        documentId,
        workflowId: ingestWorkflowId('alpha', documentId),
        externalId,
      };
    };

    it('new bytes under an external id become the next version; search swaps versions atomically', async () => {
      const first = update('the first edition speaks of amber tides');
      expect((await documents.admit(first)).created).toBe(true);
      await chunkStore.insertChunks(
        'alpha',
        first.documentId,
        1,
        chunksOf('amber tides of the first edition'),
        { language: 'english', title: null },
      );
      await documents.markIndexed('alpha', first.documentId, 1);

      const second = update('the second edition speaks of cobalt storms');
      const admitted = await documents.admit(second);
      expect(admitted.created).toBe(true);
      expect(admitted.document).toMatchObject({
        contentVersion: 2,
        status: 'received',
        sha256: second.sha256,
      });
      expect(admitted.document.workflowId).toMatch(/:v2$/);
      expect(admitted.document.supersededBlobKeys).toEqual([first.blobKey]);

      const hits = async (query: string) =>
        (await lexicalIndex.search('alpha', query, 'english', 10)).map((hit) => hit.chunkId);
      await chunkStore.insertChunks(
        'alpha',
        second.documentId,
        2,
        chunksOf('cobalt storms of the second edition'),
        { language: 'english', title: null },
      );
      // Until the new version is indexed, search shows the old one only.
      expect(await hits('amber tides')).toEqual([chunkIdFor(first.documentId, 1, 0)]);
      expect(await hits('cobalt storms')).toEqual([]);
      await documents.markIndexed('alpha', second.documentId, 2);
      expect(await hits('amber tides')).toEqual([]);
      expect(await hits('cobalt storms')).toEqual([chunkIdFor(second.documentId, 2, 0)]);

      expect(await versions.removeSupersededChunks('alpha', second.documentId, 2)).toEqual([first.blobKey]);
      await versions.forgetSupersededBlobs('alpha', second.documentId, [first.blobKey]);
      expect(await chunkStore.countChunks('alpha', second.documentId, 1)).toBe(0);
      expect(await chunkStore.countChunks('alpha', second.documentId, 2)).toBe(1);
      expect((await documents.get('alpha', second.documentId))?.supersededBlobKeys).toEqual([]);
    });

    it('the same bytes again are a duplicate; updates while a version is processed are queued, the latest kept', async () => {
      const first = update('one version at a time', 'report-8');
      const admitted = await documents.admit(first);
      expect((await documents.admit(first)).created).toBe(false);

      const second = update('a second version too soon', 'report-8');
      const queued = await documents.admit(second);
      expect(queued).toMatchObject({ created: false, queued: true });
      expect(queued.document).toMatchObject({ contentVersion: 1, sha256: first.sha256 });
      expect(queued.document.queuedUpdate).toMatchObject({ sha256: second.sha256, blobKey: second.blobKey });
      expect(await versions.blobInUse('alpha', second.blobKey)).toBe(true);

      // A later update replaces the queued one; the replaced bytes join the superseded blobs.
      const third = update('a third version, the one that counts', 'report-8');
      const replaced = await documents.admit(third);
      expect(replaced.document.queuedUpdate?.sha256).toBe(third.sha256);
      expect(replaced.document.supersededBlobKeys).toEqual([second.blobKey]);
      expect(await versions.blobInUse('alpha', second.blobKey)).toBe(false);

      // Only the run of the current version hands it over, once, and again idempotently.
      const firstRun = admitted.document.workflowId;
      expect(await versions.takeQueuedUpdate('alpha', first.documentId, `${firstRun}:v9`)).toBeNull();
      const next = await versions.takeQueuedUpdate('alpha', first.documentId, firstRun);
      expect(next).toMatchObject({
        contentVersion: 2,
        sha256: third.sha256,
        status: 'received',
        queuedUpdate: null,
      });
      expect(next?.workflowId).toBe(`${firstRun}:v2`);
      expect(next?.supersededBlobKeys.sort()).toEqual([first.blobKey, second.blobKey].sort());
      expect(await versions.takeQueuedUpdate('alpha', first.documentId, firstRun)).toMatchObject({
        contentVersion: 2,
      });
      expect(
        await versions.takeQueuedUpdate('alpha', first.documentId, next?.workflowId as string),
      ).toBeNull();
    });

    it('the current bytes sent again after an update was queued drop the queued update', async () => {
      const first = update('the version that stays', 'report-10');
      await documents.admit(first);
      const queued = update('an update changed back before it ran', 'report-10');
      await documents.admit(queued);
      await versions.dropQueuedUpdate('alpha', first.documentId);
      const current = await documents.get('alpha', first.documentId);
      expect(current).toMatchObject({ contentVersion: 1, sha256: first.sha256, queuedUpdate: null });
      expect(current?.supersededBlobKeys).toEqual([queued.blobKey]);
      expect(await versions.takeQueuedUpdate('alpha', first.documentId, first.workflowId)).toBeNull();
    });

    it('a deletion drops the queued update and hands its bytes to the purge', async () => {
      const first = update('kept until deleted', 'report-9');
      await documents.admit(first);
      const queued = update('queued, then deleted with the document', 'report-9');
      await documents.admit(queued);
      const started = await documents.beginDeletion('alpha', first.documentId);
      expect(started?.blobKeys).toContain(queued.blobKey);
      expect((await documents.get('alpha', first.documentId))?.queuedUpdate).toBeNull();
      expect(await versions.listQueuedUpdates('alpha')).toEqual([]);
    });

    it('two external ids may hold the same bytes as two documents', async () => {
      const a = await documents.admit(update('identical bytes', 'left'));
      const b = await documents.admit(update('identical bytes', 'right'));
      expect(a.created && b.created).toBe(true);
      expect(a.document.documentId).not.toBe(b.document.documentId);
    });
  });

  describe('DocumentStore chunks', () => {
    it('inserting the same chunks twice stores them once', async () => {
      const doc = newDocument('alpha', 'chunked twice');
      await documents.admit(doc);
      const chunks = chunksOf('first chunk', 'second chunk', 'third chunk');
      await chunkStore.insertChunks('alpha', doc.documentId, 1, chunks, { language: 'english', title: null });
      await chunkStore.insertChunks('alpha', doc.documentId, 1, chunks, { language: 'english', title: null });
      expect(await chunkStore.countChunks('alpha', doc.documentId, 1)).toBe(3);
      const { rows } = await rawIn<{ chunk_id: string }>(
        'alpha',
        'SELECT chunk_id FROM chunks WHERE document_id = $1 ORDER BY chunk_index',
        [doc.documentId],
      );
      expect(rows.map((row) => row.chunk_id)).toEqual([0, 1, 2].map((i) => chunkIdFor(doc.documentId, 1, i)));
    });

    it('stores more chunks than one insert batch holds', async () => {
      const doc = newDocument('alpha', 'many chunks');
      await documents.admit(doc);
      const texts = Array.from({ length: 450 }, (_, i) => `chunk number ${i}`);
      await chunkStore.insertChunks('alpha', doc.documentId, 1, chunksOf(...texts), {
        language: 'english',
        title: null,
      });
      expect(await chunkStore.countChunks('alpha', doc.documentId, 1)).toBe(450);
    });

    it('lexical search stems words in the mission language', async () => {
      await indexDocument('alpha', ['the surveyors were measuring the glaciers']);
      const hits = await lexicalIndex.search('alpha', 'glacier measured', 'english', 10);
      expect(hits.length).toBeGreaterThan(0);
      expect(await lexicalIndex.search('alpha', 'glacier', 'english', 10)).toHaveLength(1);
    });

    describe('BM25 ranking', () => {
      const ranked = async (query: string) =>
        (await lexicalIndex.search('ranking', query, 'english', 20)).map((hit) => hit.chunkId);
      /** One document per text, indexed with the given title; answers each one's chunk id. */
      const indexTexts = async (texts: string[], title: string | null = null) => {
        const chunkIds: string[] = [];
        for (const text of texts) {
          const doc = newDocument('ranking', text);
          await documents.admit(doc);
          const options = { language: 'english', title };
          await chunkStore.insertChunks(
            'ranking',
            doc.documentId,
            1,
            [{ index: 0, text, heading: null }],
            options,
          );
          // Writing the same chunks again must not count their terms twice.
          await chunkStore.insertChunks(
            'ranking',
            doc.documentId,
            1,
            [{ index: 0, text, heading: null }],
            options,
          );
          await documents.markIndexed('ranking', doc.documentId, 1);
          chunkIds.push(chunkIdFor(doc.documentId, 1, 0));
        }
        return chunkIds;
      };

      it('a rare word counts more than a common one; any word of the question may match', async () => {
        const common = await indexTexts([
          'harbour report one',
          'harbour report two',
          'harbour report three',
          'harbour report four',
        ]);
        const [rare] = await indexTexts(['the cormorant nests near the pier']);
        const [both] = await indexTexts(['harbour cormorant sighting']);
        const order = await ranked('harbour cormorant unheardofword');
        expect(order.slice(0, 2)).toEqual([both, rare]);
        expect(new Set(order.slice(2))).toEqual(new Set(common));
      });

      it('a short chunk ranks above a long one with the same matches, and a title counts more than body text', async () => {
        const [long] = await indexTexts([`kestrel ${'meadow grass hedge field '.repeat(30)}`]);
        const [short] = await indexTexts(['kestrel hovering']);
        expect(await ranked('kestrel')).toEqual([short, long]);
        const [titled] = await indexTexts(['hovering over the verge at noon'], 'Peregrine field guide');
        const [mentioned] = await indexTexts(['a peregrine once hovering over the verge at noon']);
        expect((await ranked('peregrine')).slice(0, 2)).toEqual([titled, mentioned]);
      });
    });
  });

  describe('mission isolation', () => {
    const sharedText = 'quartz prospectors mapped the canyon walls at dawn';
    let alphaDoc: NewDocument;
    let betaDoc: NewDocument;

    beforeAll(async () => {
      alphaDoc = await indexDocument('alpha', [sharedText, 'unrelated alpha notes']);
      betaDoc = await indexDocument('beta', [sharedText, 'unrelated beta notes']);
    });

    it('lexical search sees only the mission’s own chunks', async () => {
      const alphaHits = await lexicalIndex.search('alpha', 'quartz canyon', 'english', 10);
      const betaHits = await lexicalIndex.search('beta', 'quartz canyon', 'english', 10);
      expect(alphaHits.map((hit) => hit.chunkId)).toEqual([chunkIdFor(alphaDoc.documentId, 1, 0)]);
      expect(betaHits.map((hit) => hit.chunkId)).toEqual([chunkIdFor(betaDoc.documentId, 1, 0)]);
      expect(await lexicalIndex.search('paging', 'quartz canyon', 'english', 10)).toEqual([]);
    });

    it('chunksById in one mission does not return another mission’s chunk', async () => {
      const betaChunk = chunkIdFor(betaDoc.documentId, 1, 0);
      expect((await chunkStore.chunksById('alpha', [betaChunk])).size).toBe(0);
      expect((await chunkStore.chunksById('beta', [betaChunk])).size).toBe(1);
    });
  });

  describe('DocumentStore listing', () => {
    const texts = Array.from({ length: 7 }, (_, i) => `paging document ${i}`);
    let admitted: string[];

    beforeAll(async () => {
      admitted = [];
      for (const text of texts)
        admitted.push((await documents.admit(newDocument('paging', text))).document.documentId);
      // Distinct, millisecond-exact creation times (0 is the oldest) so the expected order is known.
      for (const [i, documentId] of admitted.entries()) {
        await rawIn('paging', `UPDATE documents SET created_at = $2::timestamptz WHERE document_id = $1`, [
          documentId,
          new Date(Date.UTC(2030, 0, 1, 0, 0, i)).toISOString(),
        ]);
      }
      await documents.markFailed('paging', admitted[1] as string, 'parse_failed', 'bad');
      await documents.markFailed('paging', admitted[4] as string, 'parse_failed', 'bad');
    });

    it('pages newest first with a cursor until the last page', async () => {
      const seen: string[] = [];
      let cursor: [string, string] | undefined;
      const pageSizes: number[] = [];
      for (;;) {
        const page = await documents.list('paging', { limit: 3, cursor });
        pageSizes.push(page.documents.length);
        seen.push(...page.documents.map((doc) => doc.documentId));
        if (!page.nextCursor) break;
        const decoded = decodeCursor(page.nextCursor);
        expect(decoded).not.toBeNull();
        cursor = decoded ?? undefined;
      }
      expect(pageSizes).toEqual([3, 3, 1]);
      expect(seen).toEqual([...admitted].reverse());
    });

    it('gives no cursor when everything fits on one page', async () => {
      const page = await documents.list('paging', { limit: 7 });
      expect(page.documents).toHaveLength(7);
      expect(page.nextCursor).toBeNull();
    });

    it('filters by status, also across pages', async () => {
      const first = await documents.list('paging', { status: 'failed', limit: 1 });
      expect(first.documents.map((doc) => doc.documentId)).toEqual([admitted[4]]);
      const second = await documents.list('paging', {
        status: 'failed',
        limit: 1,
        cursor: decodeCursor(first.nextCursor as string) ?? undefined,
      });
      expect(second.documents.map((doc) => doc.documentId)).toEqual([admitted[1]]);
      expect(second.nextCursor).toBeNull();
      const received = await documents.list('paging', { status: 'received', limit: 10 });
      expect(received.documents).toHaveLength(5);
      expect(received.documents.every((doc) => doc.status === 'received')).toBe(true);
    });

    it('lists only the mission’s own documents', async () => {
      const page = await documents.list('paging', { limit: 100 });
      expect(page.documents.every((doc) => doc.missionId === 'paging')).toBe(true);
      expect((await documents.list('nobody', { limit: 10 })).documents).toEqual([]);
    });

    it('pages through rows created within the same millisecond (microsecond timestamps)', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const id = (await documents.admit(newDocument('paging-micro', `micro ${i}`))).document.documentId;
        await rawIn(
          'paging-micro',
          `UPDATE documents SET created_at = $2::timestamptz WHERE document_id = $1`,
          [id, `2030-01-01T00:00:00.12340${i}Z`],
        );
        ids.push(id);
      }
      const seen: string[] = [];
      let cursor: [string, string] | undefined;
      for (;;) {
        const page = await documents.list('paging-micro', { limit: 1, cursor });
        seen.push(...page.documents.map((doc) => doc.documentId));
        if (!page.nextCursor) break;
        cursor = decodeCursor(page.nextCursor) ?? undefined;
      }
      expect(seen).toEqual([...ids].reverse());
    });

    it('refuses unreadable cursors', () => {
      expect(decodeCursor('not-a-cursor')).toBeNull();
      // Date.parse accepts these, PostgreSQL does not: they must not reach the query.
      for (const stamp of ['1', '+275760-09-13T00:00:00.000Z', 'March 7']) {
        expect(decodeCursor(Buffer.from(JSON.stringify([stamp, 'x'])).toString('base64url'))).toBeNull();
      }
      expect(decodeCursor(Buffer.from('["yesterday","x"]').toString('base64url'))).toBeNull();
      expect(decodeCursor(Buffer.from('[1,2]').toString('base64url'))).toBeNull();
    });
  });
});

/** pgvector keeps vectors on the chunk rows, so its behaviour is tied to the document store's. */
describe('PgVectorStore with the document store (PGlite)', () => {
  let database: Database;
  let vectors: PgVectorStore;

  beforeAll(async () => {
    database = await openStores(backends[0]!, ['alpha', 'beta', 'gamma']);
    vectors = new PgVectorStore(sql);
  });

  afterAll(async () => {
    await database?.close();
  });

  it('a chunk whose heading and text the mission already embedded gets that vector, from the same model only', async () => {
    const first = newDocument('alpha', 'boilerplate first');
    const second = newDocument('alpha', 'boilerplate second');
    const texts = ['the shared licence paragraph', 'first own words'];
    await documents.admit(first);
    await chunkStore.insertChunks('alpha', first.documentId, 1, chunksOf(...texts), {
      language: 'english',
      title: null,
    });
    const pending = await chunkStore.chunksToEmbed('alpha', first.documentId, 1, model, 10);
    await vectors.upsert('alpha', model, pointsFor(first.documentId, pending));
    await documents.admit(second);
    await chunkStore.insertChunks(
      'alpha',
      second.documentId,
      1,
      chunksOf('the shared licence paragraph', 'second own words'),
      { language: 'english', title: null },
    );
    const ids = [0, 1].map((index) => chunkIdFor(second.documentId, 1, index));
    // pgvector compares the rows' own heading and text; the hash is for stores that keep no text.
    const waiting = (documentId: string, chunkIds: string[]) =>
      chunkIds.map((chunkId, chunkIndex) => ({
        chunkId,
        documentId,
        contentVersion: 1,
        chunkIndex,
        contentHash: 'not read by pgvector',
      }));
    const dimensions = 3;
    expect(
      await vectors.reuseByContent('alpha', 'openai:other', dimensions, waiting(second.documentId, ids)),
    ).toEqual([]);
    // Same heading ('Intro' on chunk 0) and text: reused; different text: embedded as usual.
    expect(await vectors.reuseByContent('alpha', model, dimensions, waiting(second.documentId, ids))).toEqual(
      [ids[0]],
    );
    const left = await chunkStore.chunksToEmbed('alpha', second.documentId, 1, model, 10);
    expect(left.map((chunk) => chunk.chunkId)).toEqual([ids[1]]);
    // Another mission's identical text is never a source.
    const other = newDocument('gamma', 'boilerplate in gamma');
    await documents.admit(other);
    await chunkStore.insertChunks('gamma', other.documentId, 1, chunksOf('the shared licence paragraph'), {
      language: 'english',
      title: null,
    });
    expect(
      await vectors.reuseByContent(
        'gamma',
        model,
        dimensions,
        waiting(other.documentId, [chunkIdFor(other.documentId, 1, 0)]),
      ),
    ).toEqual([]);
  });

  it('embedding resumes after a partial vector upsert, in chunk order', async () => {
    const doc = newDocument('alpha', 'embedded in two goes');
    await documents.admit(doc);
    const texts = ['zero', 'one', 'two', 'three', 'four'];
    await chunkStore.insertChunks('alpha', doc.documentId, 1, chunksOf(...texts), {
      language: 'english',
      title: null,
    });

    const firstBatch = await chunkStore.chunksToEmbed('alpha', doc.documentId, 1, model, 2);
    expect(firstBatch.map((chunk) => chunk.text)).toEqual(['zero', 'one']);
    expect(firstBatch[0]?.heading).toBe('Intro');
    await vectors.upsert('alpha', model, pointsFor(doc.documentId, firstBatch));

    const rest = await chunkStore.chunksToEmbed('alpha', doc.documentId, 1, model, 100);
    expect(rest.map((chunk) => chunk.text)).toEqual(['two', 'three', 'four']);
    // Another model's vectors do not count as done.
    const forOtherModel = await chunkStore.chunksToEmbed('alpha', doc.documentId, 1, 'openai:other', 100);
    expect(forOtherModel).toHaveLength(5);
  });

  it('chunks become searchable only when the document is marked indexed', async () => {
    const doc = newDocument('alpha', 'searchable after index');
    await documents.admit(doc);
    const texts = ['the lighthouse keeper logs every passing freighter', 'tide tables for the estuary'];
    await chunkStore.insertChunks('alpha', doc.documentId, 1, chunksOf(...texts), {
      language: 'english',
      title: null,
    });
    const pending = await chunkStore.chunksToEmbed('alpha', doc.documentId, 1, model, 10);
    await vectors.upsert('alpha', model, pointsFor(doc.documentId, pending));
    const query = lexicalEmbedding('lighthouse keeper', dimensions);

    expect(await lexicalIndex.search('alpha', 'lighthouse keeper', 'english', 10)).toEqual([]);
    expect(await vectors.search('alpha', model, query, 10)).toEqual([]);
    expect((await chunkStore.chunksById('alpha', [chunkIdFor(doc.documentId, 1, 0)])).size).toBe(0);

    expect(await documents.markIndexed('alpha', doc.documentId, 1)).toBe(2);
    const lexical = await lexicalIndex.search('alpha', 'lighthouse keeper', 'english', 10);
    expect(lexical.map((hit) => hit.chunkId)).toEqual([chunkIdFor(doc.documentId, 1, 0)]);
    const nearest = await vectors.search('alpha', model, query, 10);
    expect(nearest[0]?.chunkId).toBe(chunkIdFor(doc.documentId, 1, 0));
    expect(nearest[0]?.distance).toBeLessThan(nearest[1]?.distance as number);
    const found = await chunkStore.chunksById('alpha', [chunkIdFor(doc.documentId, 1, 0)]);
    expect(found.get(chunkIdFor(doc.documentId, 1, 0))).toMatchObject({
      documentId: doc.documentId,
      chunkIndex: 0,
      heading: 'Intro',
      title: doc.title,
    });
    expect((await documents.get('alpha', doc.documentId))?.chunkCount).toBe(2);
  });

  describe('mission isolation', () => {
    const sharedText = 'quartz prospectors mapped the canyon walls at dawn';
    let alphaDoc: NewDocument;
    let betaDoc: NewDocument;

    beforeAll(async () => {
      alphaDoc = await indexDocument('alpha', [sharedText, 'unrelated alpha notes'], vectors);
      betaDoc = await indexDocument('beta', [sharedText, 'unrelated beta notes'], vectors);
    });

    it('vector search sees only the mission’s own chunks', async () => {
      const query = lexicalEmbedding(sharedText, dimensions);
      const alphaHits = await vectors.search('alpha', model, query, 100);
      const betaHits = await vectors.search('beta', model, query, 100);
      expect(alphaHits[0]).toEqual({
        chunkId: chunkIdFor(alphaDoc.documentId, 1, 0),
        distance: expect.any(Number),
      });
      expect(alphaHits[0]?.distance).toBeCloseTo(0, 5);
      expect(betaHits[0]?.chunkId).toBe(chunkIdFor(betaDoc.documentId, 1, 0));
      expect(alphaHits.every((hit) => !hit.chunkId.startsWith(betaDoc.documentId))).toBe(true);
      expect(betaHits.every((hit) => !hit.chunkId.startsWith(alphaDoc.documentId))).toBe(true);
      const { rows } = await rawIn<{ chunk_id: string }>('beta', 'SELECT chunk_id FROM chunks');
      expect(new Set(betaHits.map((hit) => hit.chunkId))).toEqual(new Set(rows.map((row) => row.chunk_id)));
    });

    it('a vector upsert scoped to one mission cannot overwrite another mission’s vectors', async () => {
      const alphaChunk = chunkIdFor(alphaDoc.documentId, 1, 0);
      const before = await rawIn<{ embedding: string }>(
        'alpha',
        'SELECT embedding::text AS embedding FROM chunks WHERE chunk_id = $1',
        [alphaChunk],
      );
      await vectors.upsert('beta', model, [
        { ...pointsFor(alphaDoc.documentId, [{ chunkId: alphaChunk, chunkIndex: 0, text: 'hijack' }])[0]! },
      ]);
      const after = await rawIn<{ embedding: string }>(
        'alpha',
        'SELECT embedding::text AS embedding FROM chunks WHERE chunk_id = $1',
        [alphaChunk],
      );
      expect(after.rows[0]?.embedding).toBe(before.rows[0]?.embedding);
    });
  });
});

describe.each(backends)('row-level security on $name', (backend) => {
  let database: Database;

  beforeAll(async () => {
    database = await openStores(backend, ['alpha', 'beta']);
    for (const id of ['alpha', 'beta']) {
      const doc = newDocument(id, `${id} shared words`);
      await documents.admit(doc);
      await chunkStore.insertChunks(id, doc.documentId, 1, chunksOf('shared words'), {
        language: 'english',
        title: null,
      });
      await steps.beginStep(id, doc.documentId, 'parse');
    }
  });

  afterAll(async () => {
    await database?.close();
  });

  it('the platform connects as a role that is neither superuser nor BYPASSRLS', async () => {
    const { rows } = await sql.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
      'SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user',
    );
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false }]);
    await expect(assertRowLevelSecurityHolds(sql)).resolves.toBeUndefined();
    const admin =
      backend.name === 'PGlite'
        ? await openPglite()
        : openPostgres({ connectionString: testEnv.postgresAdminUrl });
    try {
      await expect(assertRowLevelSecurityHolds(admin)).rejects.toThrow(/bypasses row-level security/);
    } finally {
      await admin.close();
    }
  });

  it.each(['documents', 'document_steps', 'chunks', 'cartridge_versions'])(
    'a query on %s in mission alpha with no mission filter sees only alpha rows',
    async (table) => {
      const { rows } = await rawIn<{ mission_id: string }>('alpha', `SELECT mission_id FROM ${table}`);
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((row) => row.mission_id))).toEqual(new Set(['alpha']));
    },
  );

  it('every table with a mission_id column forces row-level security with a policy', async () => {
    const { rows } = await database.owner.query<{ name: string; forced: boolean; policies: number }>(
      `SELECT c.relname AS name, c.relforcerowsecurity AS forced,
              (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r'
         AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'mission_id')
       ORDER BY c.relname`,
    );
    expect(rows.map((row) => row.name)).toEqual(expect.arrayContaining(['chunks', 'term_statistics']));
    expect(rows.filter((row) => !row.forced || row.policies === 0)).toEqual([]);
  });

  it('outside a mission transaction no mission row is visible, even to the schema owner', async () => {
    for (const client of [sql, database.owner]) {
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM documents');
      expect(rows[0]?.n).toBe(0);
    }
  });

  it('writing or changing another mission’s rows from alpha’s context is refused or touches nothing', async () => {
    const beta = newDocument('beta', 'smuggled into beta');
    await expect(
      rawIn(
        'alpha',
        `INSERT INTO documents (mission_id, document_id, sha256, size_bytes, media_type, blob_key, status,
           cartridge_version, workflow_id) VALUES ('beta', $1, $2, 1, 'text/plain', $3, 'received', 1, 'x')`,
        [beta.documentId, beta.sha256, beta.blobKey],
      ),
    ).rejects.toThrow(/row-level security/);
    const updated = await rawIn<{ document_id: string }>(
      'alpha',
      `UPDATE documents SET status = 'failed' WHERE mission_id = 'beta' RETURNING document_id`,
    );
    expect(updated.rows).toEqual([]);
    const deleted = await rawIn<{ chunk_id: string }>('alpha', 'DELETE FROM chunks RETURNING mission_id');
    expect(new Set(deleted.rows.map((row) => (row as unknown as { mission_id: string }).mission_id))).toEqual(
      new Set(['alpha']),
    );
    const betaChunks = await rawIn<{ n: number }>('beta', 'SELECT count(*)::int AS n FROM chunks');
    expect(betaChunks.rows[0]?.n).toBe(1);
  });

  it('the mission registry is listed across missions, but registered only from the mission itself', async () => {
    expect((await cartridges.listMissions()).map((mission) => mission.missionId)).toEqual(['alpha', 'beta']);
    await expect(
      rawIn('alpha', `INSERT INTO missions (mission_id, name) VALUES ('gamma', 'not alpha')`),
    ).rejects.toThrow(/row-level security/);
  });
});
