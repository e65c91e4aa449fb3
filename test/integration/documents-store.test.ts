import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCartridge, type Cartridge } from '../../domain/cartridge';
import type { Chunk } from '../../domain/chunking';
import { ingestWorkflowId } from '../../domain/documents';
import { lexicalEmbedding } from '../../domain/lexical-embedding';
import { blobKeyFor } from '../../stores/blobs';
import { CartridgeStore } from '../../stores/cartridges';
import { chunkIdFor, decodeCursor, DocumentStore, type NewDocument } from '../../stores/documents';
import { documentIdFor } from '../../stores/ids';
import { migrate, migrations } from '../../stores/migrations';
import { openPglite } from '../../stores/pglite';
import type { SqlClient } from '../../stores/sql';
import { PgVectorStore } from '../../stores/vectors';
import { repoRoot } from '../support/env';

const model = 'lexical-hash-v1-64';
const dimensions = 64;

let sql: SqlClient;
let cartridges: CartridgeStore;
let documents: DocumentStore;
let vectors: PgVectorStore;
let baseCartridge: Cartridge;

beforeAll(async () => {
  sql = await openPglite();
  await migrate(sql);
  cartridges = new CartridgeStore(sql);
  documents = new DocumentStore(sql);
  vectors = new PgVectorStore(sql);
  baseCartridge = parseCartridge(
    await readFile(join(repoRoot, 'missions', 'default', 'cartridge.yaml'), 'utf8'),
  );
  for (const id of ['alpha', 'beta', 'paging', 'paging-micro'])
    await cartridges.activate(cartridgeFor(id), 'test');
});

afterAll(async () => {
  await sql?.close();
});

function cartridgeFor(missionId: string, changes: Partial<Cartridge> = {}): Cartridge {
  return {
    ...baseCartridge,
    ...changes,
    mission: { ...baseCartridge.mission, id: missionId, name: missionId },
  };
}

function newDocument(missionId: string, content: string): NewDocument {
  const sha256 = createHash('sha256').update(content).digest('hex');
  const documentId = documentIdFor(missionId, sha256);
  return {
    missionId,
    documentId,
    sha256,
    sizeBytes: Buffer.byteLength(content),
    mediaType: 'text/plain',
    title: `title of ${content.slice(0, 20)}`,
    metadata: { source: 'test' },
    blobKey: blobKeyFor(sha256),
    cartridgeVersion: 1,
    workflowId: ingestWorkflowId(missionId, documentId),
  };
}

const chunksOf = (...texts: string[]): Chunk[] =>
  texts.map((text, index) => ({ index, text, heading: index === 0 ? 'Intro' : null }));

/** Admits a document, stores its chunks and vectors, and marks it indexed: a finished ingest. */
async function indexDocument(missionId: string, texts: string[]): Promise<NewDocument> {
  const doc = newDocument(missionId, texts.join('\n'));
  await documents.admit(doc);
  await documents.insertChunks(missionId, doc.documentId, 1, chunksOf(...texts), 'english');
  const pending = await documents.chunksToEmbed(missionId, doc.documentId, 1, model, 100);
  await vectors.upsert(
    missionId,
    model,
    pending.map((chunk) => ({ chunkId: chunk.chunkId, vector: lexicalEmbedding(chunk.text, dimensions) })),
  );
  await documents.markIndexed(missionId, doc.documentId, 1);
  return doc;
}

describe('migrations', () => {
  it('apply once; a second run applies nothing', async () => {
    const fresh = await openPglite();
    try {
      expect(await migrate(fresh)).toEqual(migrations.map((migration) => migration.version));
      expect(await migrate(fresh)).toEqual([]);
      const { rows } = await fresh.query<{ version: number }>('SELECT version FROM schema_migrations');
      expect(rows.map((row) => row.version)).toEqual(migrations.map((migration) => migration.version));
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
    const { rows } = await sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM documents WHERE mission_id = $1 AND sha256 = $2',
      ['alpha', doc.sha256],
    );
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

describe('DocumentStore chunks', () => {
  it('inserting the same chunks twice stores them once', async () => {
    const doc = newDocument('alpha', 'chunked twice');
    await documents.admit(doc);
    const chunks = chunksOf('first chunk', 'second chunk', 'third chunk');
    await documents.insertChunks('alpha', doc.documentId, 1, chunks, 'english');
    await documents.insertChunks('alpha', doc.documentId, 1, chunks, 'english');
    expect(await documents.countChunks('alpha', doc.documentId, 1)).toBe(3);
    const { rows } = await sql.query<{ chunk_id: string; chunk_index: number }>(
      'SELECT chunk_id, chunk_index FROM chunks WHERE mission_id = $1 AND document_id = $2 ORDER BY chunk_index',
      ['alpha', doc.documentId],
    );
    expect(rows.map((row) => row.chunk_id)).toEqual([0, 1, 2].map((i) => chunkIdFor(doc.documentId, 1, i)));
  });

  it('stores more chunks than one insert batch holds', async () => {
    const doc = newDocument('alpha', 'many chunks');
    await documents.admit(doc);
    const texts = Array.from({ length: 450 }, (_, i) => `chunk number ${i}`);
    await documents.insertChunks('alpha', doc.documentId, 1, chunksOf(...texts), 'english');
    expect(await documents.countChunks('alpha', doc.documentId, 1)).toBe(450);
  });

  it('embedding resumes after a partial vector upsert, in chunk order', async () => {
    const doc = newDocument('alpha', 'embedded in two goes');
    await documents.admit(doc);
    const texts = ['zero', 'one', 'two', 'three', 'four'];
    await documents.insertChunks('alpha', doc.documentId, 1, chunksOf(...texts), 'english');

    const firstBatch = await documents.chunksToEmbed('alpha', doc.documentId, 1, model, 2);
    expect(firstBatch.map((chunk) => chunk.text)).toEqual(['zero', 'one']);
    expect(firstBatch[0]?.heading).toBe('Intro');
    await vectors.upsert(
      'alpha',
      model,
      firstBatch.map((chunk) => ({
        chunkId: chunk.chunkId,
        vector: lexicalEmbedding(chunk.text, dimensions),
      })),
    );

    const rest = await documents.chunksToEmbed('alpha', doc.documentId, 1, model, 100);
    expect(rest.map((chunk) => chunk.text)).toEqual(['two', 'three', 'four']);
    // Another model's vectors do not count as done.
    const forOtherModel = await documents.chunksToEmbed('alpha', doc.documentId, 1, 'openai:other', 100);
    expect(forOtherModel).toHaveLength(5);
  });

  it('chunks become searchable only when the document is marked indexed', async () => {
    const doc = newDocument('alpha', 'searchable after index');
    await documents.admit(doc);
    const texts = ['the lighthouse keeper logs every passing freighter', 'tide tables for the estuary'];
    await documents.insertChunks('alpha', doc.documentId, 1, chunksOf(...texts), 'english');
    const pending = await documents.chunksToEmbed('alpha', doc.documentId, 1, model, 10);
    await vectors.upsert(
      'alpha',
      model,
      pending.map((chunk) => ({ chunkId: chunk.chunkId, vector: lexicalEmbedding(chunk.text, dimensions) })),
    );
    const query = lexicalEmbedding('lighthouse keeper', dimensions);

    expect(await documents.searchLexical('alpha', 'lighthouse keeper', 'english', 10)).toEqual([]);
    expect(await vectors.search('alpha', model, query, 10)).toEqual([]);
    expect((await documents.chunksById('alpha', [chunkIdFor(doc.documentId, 1, 0)])).size).toBe(0);

    expect(await documents.markIndexed('alpha', doc.documentId, 1)).toBe(2);
    const lexical = await documents.searchLexical('alpha', 'lighthouse keeper', 'english', 10);
    expect(lexical.map((hit) => hit.chunkId)).toEqual([chunkIdFor(doc.documentId, 1, 0)]);
    const nearest = await vectors.search('alpha', model, query, 10);
    expect(nearest[0]?.chunkId).toBe(chunkIdFor(doc.documentId, 1, 0));
    expect(nearest[0]?.distance).toBeLessThan(nearest[1]?.distance as number);
    const found = await documents.chunksById('alpha', [chunkIdFor(doc.documentId, 1, 0)]);
    expect(found.get(chunkIdFor(doc.documentId, 1, 0))).toMatchObject({
      documentId: doc.documentId,
      chunkIndex: 0,
      heading: 'Intro',
      title: doc.title,
    });
    expect((await documents.get('alpha', doc.documentId))?.chunkCount).toBe(2);
  });

  it('lexical search stems words in the mission language', async () => {
    await indexDocument('alpha', ['the surveyors were measuring the glaciers']);
    const hits = await documents.searchLexical('alpha', 'glacier measured', 'english', 10);
    expect(hits.length).toBeGreaterThan(0);
    expect(await documents.searchLexical('alpha', 'glacier', 'english', 10)).toHaveLength(1);
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
    const alphaHits = await documents.searchLexical('alpha', 'quartz canyon', 'english', 10);
    const betaHits = await documents.searchLexical('beta', 'quartz canyon', 'english', 10);
    expect(alphaHits.map((hit) => hit.chunkId)).toEqual([chunkIdFor(alphaDoc.documentId, 1, 0)]);
    expect(betaHits.map((hit) => hit.chunkId)).toEqual([chunkIdFor(betaDoc.documentId, 1, 0)]);
    expect(await documents.searchLexical('paging', 'quartz canyon', 'english', 10)).toEqual([]);
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
    const { rows } = await sql.query<{ chunk_id: string }>(
      'SELECT chunk_id FROM chunks WHERE mission_id = $1',
      ['beta'],
    );
    expect(new Set(betaHits.map((hit) => hit.chunkId))).toEqual(new Set(rows.map((row) => row.chunk_id)));
  });

  it('chunksById in one mission does not return another mission’s chunk', async () => {
    const betaChunk = chunkIdFor(betaDoc.documentId, 1, 0);
    expect((await documents.chunksById('alpha', [betaChunk])).size).toBe(0);
    expect((await documents.chunksById('beta', [betaChunk])).size).toBe(1);
  });

  it('a vector upsert scoped to one mission cannot overwrite another mission’s vectors', async () => {
    const alphaChunk = chunkIdFor(alphaDoc.documentId, 1, 0);
    const before = await sql.query<{ embedding: string }>(
      'SELECT embedding::text AS embedding FROM chunks WHERE mission_id = $1 AND chunk_id = $2',
      ['alpha', alphaChunk],
    );
    await vectors.upsert('beta', model, [
      { chunkId: alphaChunk, vector: lexicalEmbedding('hijack', dimensions) },
    ]);
    const after = await sql.query<{ embedding: string }>(
      'SELECT embedding::text AS embedding FROM chunks WHERE mission_id = $1 AND chunk_id = $2',
      ['alpha', alphaChunk],
    );
    expect(after.rows[0]?.embedding).toBe(before.rows[0]?.embedding);
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
      await sql.query(
        `UPDATE documents SET created_at = $3::timestamptz WHERE mission_id = $1 AND document_id = $2`,
        ['paging', documentId, new Date(Date.UTC(2030, 0, 1, 0, 0, i)).toISOString()],
      );
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
      await sql.query(
        `UPDATE documents SET created_at = $3::timestamptz WHERE mission_id = $1 AND document_id = $2`,
        ['paging-micro', id, `2030-01-01T00:00:00.12340${i}Z`],
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
