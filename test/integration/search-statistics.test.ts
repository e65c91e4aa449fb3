import type { DocumentEntity } from '../../domain/entities';
import { CartridgeStore } from '../../stores/relational/cartridges';
import { chunkIdFor } from '../../stores/relational/chunks';
import {
  createDocumentStores,
  type DocumentStores,
  type NewDocument,
} from '../../stores/relational/documents';
import { bm25 } from '../../stores/relational/lexical-index';
import { migrate } from '../../stores/relational/migrate';
import { setSearchableVersion } from '../../stores/relational/searchable-chunks';
import { applicationRole } from '../../stores/relational/migrations';
import { openEmbeddedDatabase } from '../../stores/relational/pglite';
import type { SqlClient, SqlExecutor } from '../../stores/relational/sql';
import { mentionPasses, termPasses } from '../../stores/relational/two-pass-ranking';
import { defaultCartridgeAs, relationalBackends, testDocument, type Database } from '../support/relational';

const missionId = 'statistics';

/** More chunks than the first pass of BM25 reads for one term, and of the graph for one entity (limit 20). */
const beyondTermDepth = termPasses(20).depth + 100;
const beyondMentionDepth = mentionPasses(20).depth + 100;

describe.each(relationalBackends)('search statistics on $name', (backend) => {
  let database: Database;
  let sql: SqlClient;
  let stores: DocumentStores;

  const raw = <Row>(text: string, params: unknown[] = []) =>
    sql.inMission(missionId, async (tx) => (await tx.query<Row>(text, params)).rows);

  const newDocument = (content: string) => testDocument(missionId, content);

  /** Admits a document and writes one content version's chunks (not yet searchable). */
  async function writeVersion(document: NewDocument, version: number, texts: readonly string[]) {
    if (version === 1) await stores.documents.admit(document);
    const chunks = texts.map((text, index) => ({ index, text, heading: null }));
    await stores.chunks.insertChunks(missionId, document.documentId, version, chunks, {
      language: 'english',
      title: null,
    });
  }

  /** Each entity mentioned by the given chunk indexes of the document's version. */
  async function mention(
    document: NewDocument,
    version: number,
    entities: Array<{ key: string; chunkIndexes: number[] }>,
  ) {
    const list: DocumentEntity[] = entities.map(({ key, chunkIndexes }) => ({
      type: 'Place',
      key,
      name: key,
      chunkIndexes,
    }));
    await stores.chunkEntities.record(missionId, document.documentId, version, list);
  }

  /** The maintained counters, and the same figures counted afresh from the rows. */
  async function statistics() {
    const [corpus] = await raw<{ chunks: number; total_length: number }>(
      'SELECT chunks, total_length FROM corpus_statistics WHERE mission_id = $1',
      [missionId],
    );
    const [recountedCorpus] = await raw<{ chunks: number; total_length: number }>(
      `SELECT count(*)::int AS chunks, coalesce(sum(term_weight), 0)::float8 AS total_length FROM chunks
       WHERE searchable AND term_weight IS NOT NULL`,
    );
    const terms = await raw<{ term: string; chunks: number }>(
      'SELECT term, chunks FROM term_statistics WHERE chunks <> 0 ORDER BY term',
    );
    const recountedTerms = await raw<{ term: string; chunks: number }>(
      `SELECT t.term, count(*)::int AS chunks FROM chunk_terms t JOIN chunks c USING (mission_id, chunk_id)
       WHERE c.searchable GROUP BY t.term ORDER BY t.term`,
    );
    const entities = await raw<{ key: string; chunks: number }>(
      'SELECT key, chunks FROM entity_statistics WHERE chunks <> 0 ORDER BY key',
    );
    const recountedEntities = await raw<{ key: string; chunks: number }>(
      `SELECT t.key, count(*)::int AS chunks FROM chunk_entities t JOIN chunks c USING (mission_id, chunk_id)
       WHERE c.searchable GROUP BY t.key ORDER BY t.key`,
    );
    const [flags] = await raw<{ postings: number; mentions: number }>(
      `SELECT (SELECT count(*)::int FROM chunk_terms t JOIN chunks c USING (mission_id, chunk_id)
               WHERE t.searchable <> c.searchable) AS postings,
              (SELECT count(*)::int FROM chunk_entities t JOIN chunks c USING (mission_id, chunk_id)
               WHERE t.searchable <> c.searchable) AS mentions`,
    );
    return {
      kept: {
        corpus: { chunks: corpus?.chunks ?? 0, totalLength: Number(corpus?.total_length ?? 0) },
        terms,
        entities,
      },
      recounted: {
        corpus: {
          chunks: recountedCorpus?.chunks ?? 0,
          totalLength: Number(recountedCorpus?.total_length ?? 0),
        },
        terms: recountedTerms,
        entities: recountedEntities,
      },
      flagsOutOfStep: flags,
    };
  }

  async function expectStatisticsInStep() {
    const figures = await statistics();
    expect(figures.kept).toEqual(figures.recounted);
    expect(figures.flagsOutOfStep).toEqual({ postings: 0, mentions: 0 });
    return figures.kept;
  }

  beforeAll(async () => {
    database = await backend.openFresh();
    await database.migrate();
    sql = database.app;
    stores = createDocumentStores(sql);
    await new CartridgeStore(sql).activate(await defaultCartridgeAs(missionId), 'test');
  });

  afterAll(async () => {
    await database?.close();
  });

  it('stay equal to a recount of the searchable rows through index, update, rejection, deletion and purge', async () => {
    const harbour = newDocument('harbour');
    await writeVersion(harbour, 1, ['the harbour wall at Dunmore', 'gulls over the harbour']);
    await mention(harbour, 1, [{ key: 'dunmore', chunkIndexes: [0] }]);
    expect((await expectStatisticsInStep()).corpus.chunks).toBe(0);

    await stores.documents.markIndexed(missionId, harbour.documentId, 1);
    const afterIndex = await expectStatisticsInStep();
    expect(afterIndex.corpus.chunks).toBe(2);
    expect(afterIndex.terms).toContainEqual({ term: 'harbour', chunks: 2 });
    expect(afterIndex.entities).toEqual([{ key: 'dunmore', chunks: 1 }]);

    // Version 2 replaces version 1 in one swap; its mentions are recorded again after it is indexed.
    await writeVersion(harbour, 2, ['the harbour wall at Kilmore', 'terns over the harbour', 'a new pier']);
    await mention(harbour, 2, [{ key: 'kilmore', chunkIndexes: [0] }]);
    await stores.documents.markIndexed(missionId, harbour.documentId, 2);
    await mention(harbour, 2, [{ key: 'kilmore', chunkIndexes: [0, 2] }]);
    const afterUpdate = await expectStatisticsInStep();
    expect(afterUpdate.corpus.chunks).toBe(3);
    expect(afterUpdate.terms).not.toContainEqual(expect.objectContaining({ term: 'gull' }));
    expect(afterUpdate.entities).toEqual([{ key: 'kilmore', chunks: 2 }]);

    // A rejected update takes the earlier version out of search too.
    const lighthouse = newDocument('lighthouse');
    await writeVersion(lighthouse, 1, ['the lighthouse keeper']);
    await stores.documents.markIndexed(missionId, lighthouse.documentId, 1);
    await writeVersion(lighthouse, 2, ['the lighthouse keeper retired']);
    // As while the update's run goes on (the version store's admission sets this in the platform).
    await raw("UPDATE documents SET status = 'processing' WHERE document_id = $1", [lighthouse.documentId]);
    await stores.documents.markRejected(missionId, lighthouse.documentId, 'not this one');
    expect((await expectStatisticsInStep()).terms).not.toContainEqual(
      expect.objectContaining({ term: 'lighthous' }),
    );

    await stores.documents.beginDeletion(missionId, harbour.documentId);
    const afterDeletion = await expectStatisticsInStep();
    expect(afterDeletion.corpus).toEqual({ chunks: 0, totalLength: 0 });
    expect(afterDeletion.entities).toEqual([]);
    await stores.documents.purgeDocument(missionId, harbour.documentId);
    await expectStatisticsInStep();
  });

  it('BM25 finds a rare word’s chunk and scores it exactly when a common word of the question is in more chunks than the first pass reads', async () => {
    const reports = newDocument('reports');
    await writeVersion(
      reports,
      1,
      Array.from({ length: beyondTermDepth }, (_, index) => `quay report number ${index}`),
    );
    await stores.documents.markIndexed(missionId, reports.documentId, 1);
    const sighting = newDocument('sighting');
    await writeVersion(sighting, 1, ['quay cormorant sighting', 'a cormorant nests near the pier']);
    await stores.documents.markIndexed(missionId, sighting.documentId, 1);

    const hits = await stores.lexical.search(missionId, 'quay cormorant', 'english', 20);
    const [both, rare] = [0, 1].map((index) => chunkIdFor(sighting.documentId, 1, index));
    expect(hits.slice(0, 2).map((hit) => hit.chunkId)).toEqual([both, rare]);
    expect(hits[0]?.score).toBeCloseTo(await exhaustiveBm25(both as string, ['quay', 'cormor']), 4);
    expect(hits).toHaveLength(20);
  });

  it('the graph ranking finds where a rare entity meets one mentioned in more chunks than the first pass reads', async () => {
    const log = newDocument('harbour log');
    const texts = Array.from({ length: beyondMentionDepth }, (_, index) => `entry ${index} at Wexford`);
    await writeVersion(log, 1, texts);
    await mention(log, 1, [
      { key: 'wexford', chunkIndexes: texts.map((_, index) => index) },
      { key: 'saltee', chunkIndexes: [texts.length - 1] },
    ]);
    await stores.documents.markIndexed(missionId, log.documentId, 1);
    const ranked = await stores.chunkEntities.rankByMentions(
      missionId,
      [
        { type: 'Place', key: 'wexford', weight: 0.25 },
        { type: 'Place', key: 'saltee', weight: 1 },
      ],
      20,
    );
    expect(ranked[0]).toEqual({ chunkId: chunkIdFor(log.documentId, 1, texts.length - 1), score: 1.25 });
    expect(ranked.slice(1).every((hit) => hit.score === 0.25)).toBe(true);
    expect(ranked).toHaveLength(20);
    // A neighbour's shorter first pass (`firstPass`) still adds its whole weight where it meets another.
    const shallow = await stores.chunkEntities.rankByMentions(
      missionId,
      [
        { type: 'Place', key: 'wexford', weight: 0.25, firstPass: 10 },
        { type: 'Place', key: 'saltee', weight: 1 },
      ],
      20,
    );
    expect(shallow[0]).toEqual(ranked[0]);
  });

  it('an entity’s neighbours are the entities most often mentioned in the same searchable chunks', async () => {
    const coast = newDocument('coast guide');
    await writeVersion(coast, 1, ['Arklow and Bray', 'Arklow and Bray again', 'Arklow and Wicklow']);
    await mention(coast, 1, [
      { key: 'arklow', chunkIndexes: [0, 1, 2] },
      { key: 'bray', chunkIndexes: [0, 1] },
      { key: 'wicklow', chunkIndexes: [2] },
    ]);
    await stores.documents.markIndexed(missionId, coast.documentId, 1);
    const draft = newDocument('draft never indexed');
    await writeVersion(draft, 1, ['Arklow and Greystones']);
    await mention(draft, 1, [
      { key: 'arklow', chunkIndexes: [0] },
      { key: 'greystones', chunkIndexes: [0] },
    ]);
    const arklow = { type: 'Place', key: 'arklow' };
    expect(await stores.chunkEntities.neighboursOf(missionId, [arklow], 10)).toEqual([
      { of: arklow, type: 'Place', key: 'bray', together: 2, chunks: 2 },
      { of: arklow, type: 'Place', key: 'wicklow', together: 1, chunks: 1 },
    ]);
    expect(await stores.chunkEntities.neighboursOf(missionId, [arklow], 1)).toHaveLength(1);
  });

  it('indexing a document flips its chunks heap-only: nothing indexes the flag, and pages keep room (migration 13)', async () => {
    const [layout] = await raw<{ full_text_column: number; flag_index: number; options: string[] }>(
      `SELECT (SELECT count(*)::int FROM information_schema.columns
               WHERE table_name = 'chunks' AND column_name = 'search_vector') AS full_text_column,
              (SELECT count(*)::int FROM pg_indexes WHERE indexname = 'chunks_searchable') AS flag_index,
              (SELECT reloptions FROM pg_class WHERE relname = 'chunks') AS options`,
    );
    expect(layout).toEqual({ full_text_column: 0, flag_index: 0, options: ['fillfactor=60'] });
    const document = newDocument('flipped in place');
    await writeVersion(document, 1, ['quay crane lifted', 'tide came in', 'gulls over the pier']);
    // A HOT update adds no entry to any index of the table (the HNSW graph above all). The session
    // counts its updates, heap-only ones apart, until it reports them (never inside a transaction):
    // what the flip adds is the difference across it.
    const updates = async (tx: SqlExecutor) => {
      const { rows } = await tx.query<{ updated: number; heap_only: number }>(
        `SELECT pg_stat_get_xact_tuples_updated('chunks'::regclass)::int AS updated,
                pg_stat_get_xact_tuples_hot_updated('chunks'::regclass)::int AS heap_only`,
      );
      return rows[0] ?? { updated: 0, heap_only: 0 };
    };
    const flipped = await sql.inMission(missionId, async (tx) => {
      const before = await updates(tx);
      await setSearchableVersion(tx, missionId, document.documentId, 1);
      const after = await updates(tx);
      return { updated: after.updated - before.updated, heapOnly: after.heap_only - before.heap_only };
    });
    expect(flipped).toEqual({ updated: 3, heapOnly: 3 });
  });

  it('migration 12 flags and counts the rows that earlier versions wrote', async () => {
    const fresh = await backend.openFresh();
    try {
      await migrate(fresh.owner, { through: 11 });
      await new CartridgeStore(fresh.owner).activate(await defaultCartridgeAs(missionId), 'test');
      const document = newDocument('written before migration 12');
      await createDocumentStores(fresh.owner).documents.admit(document);
      // Version 1 superseded (not searchable), version 2 searchable: rows as migration 10 made them.
      await fresh.owner.inMission(missionId, async (tx) => {
        for (const [version, searchable] of [
          [1, false],
          [2, true],
        ] as const) {
          const chunkId = chunkIdFor(document.documentId, version, 0);
          await tx.query(
            `INSERT INTO chunks (mission_id, document_id, content_version, chunk_index, chunk_id, text,
               search_vector, searchable, term_weight)
             VALUES ($1, $2, $3, 0, $4, 'pier pier gull', ''::tsvector, $5, 3)`,
            [missionId, document.documentId, version, chunkId, searchable],
          );
          await tx.query(
            `INSERT INTO chunk_terms (mission_id, chunk_id, term, weight)
             VALUES ($1, $2, 'pier', 2), ($1, $2, 'gull', 1)`,
            [missionId, chunkId],
          );
          await tx.query(
            `INSERT INTO chunk_entities (mission_id, chunk_id, type, key, name)
             VALUES ($1, $2, 'Place', 'howth', 'Howth')`,
            [missionId, chunkId],
          );
        }
      });
      expect(await fresh.migrate()).toContain(12);
      const read = <Row>(text: string) =>
        fresh.app.inMission(missionId, async (tx) => (await tx.query<Row>(text)).rows);
      expect(await read('SELECT chunks, total_length FROM corpus_statistics')).toEqual([
        { chunks: 1, total_length: 3 },
      ]);
      expect(await read('SELECT term, chunks FROM term_statistics ORDER BY term')).toEqual([
        { term: 'gull', chunks: 1 },
        { term: 'pier', chunks: 1 },
      ]);
      expect(await read('SELECT key, name, chunks FROM entity_statistics')).toEqual([
        { key: 'howth', name: 'Howth', chunks: 1 },
      ]);
      const postings = await read<{ chunk_id: string; searchable: boolean; impact: number }>(
        `SELECT chunk_id, searchable, impact FROM chunk_terms WHERE term = 'pier' ORDER BY chunk_id`,
      );
      expect(postings.map((row) => row.searchable)).toEqual([false, true]);
      // The length is the mean here: 2 occurrences saturate to 2 × (k1 + 1) / (2 + k1).
      expect(postings[1]?.impact).toBeCloseTo((2 * (bm25.k1 + 1)) / (2 + bm25.k1), 5);
      const stores = createDocumentStores(fresh.app);
      const hits = await stores.lexical.search(missionId, 'pier', 'english', 5);
      expect(hits.map((hit) => hit.chunkId)).toEqual([chunkIdFor(document.documentId, 2, 0)]);
    } finally {
      await fresh.close();
    }
  });

  /** BM25 of one chunk for the given (stemmed) terms, from a recount of the mission's rows. */
  async function exhaustiveBm25(chunkId: string, terms: readonly string[]): Promise<number> {
    const [corpus] = await raw<{ n: number; mean: number }>(
      `SELECT count(*)::float8 AS n, avg(term_weight)::float8 AS mean FROM chunks
       WHERE searchable AND term_weight IS NOT NULL`,
    );
    const [chunk] = await raw<{ length: number }>(
      'SELECT term_weight::float8 AS length FROM chunks WHERE chunk_id = $1',
      [chunkId],
    );
    const { k1, b } = bm25;
    let score = 0;
    for (const term of terms) {
      const [df] = await raw<{ n: number }>(
        `SELECT count(*)::float8 AS n FROM chunk_terms t JOIN chunks c USING (mission_id, chunk_id)
         WHERE c.searchable AND t.term = $1`,
        [term],
      );
      const [posting] = await raw<{ tf: number }>(
        'SELECT weight::float8 AS tf FROM chunk_terms WHERE chunk_id = $1 AND term = $2',
        [chunkId, term],
      );
      const n = Number(corpus?.n);
      const frequency = Number(df?.n);
      const tf = Number(posting?.tf ?? 0);
      const idf = Math.log(1 + (n - frequency + 0.5) / (frequency + 0.5));
      const norm = 1 - b + (b * Number(chunk?.length)) / Number(corpus?.mean);
      score += (idf * tf * (k1 + 1)) / (tf + k1 * norm);
    }
    return score;
  }
});

describe('upkeep of the embedded database (no autovacuum in PGlite)', () => {
  const seaWords =
    'harbours quays gulls terns cormorants piers lighthouses keepers boats nets fishermen tides storms winds sails masts anchors ropes';

  it('analyses and vacuums the tables that changed enough, as the application role', async () => {
    const { sql } = await openEmbeddedDatabase();
    try {
      await new CartridgeStore(sql).activate(await defaultCartridgeAs(missionId), 'test');
      const stores = createDocumentStores(sql);
      // Enough transactions for the upkeep to look, and postings past vacuum's insert threshold.
      for (let number = 0; number < 300; number++) {
        const text = `upkeep document ${number} about ${seaWords}`;
        const document = testDocument(missionId, text);
        await stores.documents.admit(document);
        await stores.chunks.insertChunks(
          missionId,
          document.documentId,
          1,
          [{ index: 0, text, heading: null }],
          {
            language: 'english',
            title: null,
          },
        );
      }
      const upkept = async () => {
        const { rows } = await sql.query<{ vacuumed: boolean; analysed: boolean }>(
          `SELECT last_vacuum IS NOT NULL AS vacuumed, last_analyze IS NOT NULL AS analysed
           FROM pg_stat_user_tables WHERE relname = 'chunk_terms'`,
        );
        return rows[0];
      };
      const deadline = Date.now() + 20_000;
      while (!(await upkept())?.vacuumed && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await upkept()).toEqual({ vacuumed: true, analysed: true });
      const { rows } = await sql.query<{ role: string }>('SELECT current_user AS role');
      expect(rows[0]?.role).toBe(applicationRole);
    } finally {
      await sql.close();
    }
  });
});
