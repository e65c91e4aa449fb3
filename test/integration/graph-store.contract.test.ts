import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import neo4j, { type Driver } from 'neo4j-driver';
import { extractEntities } from '../../domain/entities';
import { MissionflowError } from '../../domain/errors';
import { entityIdFor, type DocumentGraph, type GraphStore } from '../../stores/graph/graph-store';
import { Neo4jGraphStore } from '../../stores/graph/neo4j-graph';
import { openPglite, prepareEmbeddedDatabase } from '../../stores/relational/pglite';
import type { SqlClient } from '../../stores/relational/sql';
import { SqlGraphStore } from '../../stores/graph/sql-graph';
import { freePort } from '../support/services/service';

/** What a contract test needs besides the store: raw access to the data behind it. */
interface Subject {
  store: GraphStore;
  /** Counted with raw queries, not through the interface under test. */
  counts(missionId: string): Promise<Counts>;
  /** Entities of the type, found by the store's native means (the label, in Neo4j). */
  countOfType(missionId: string, type: string): Promise<number>;
  /**
   * Tries to write an edge carrying `edgeMission` between two entities behind the store's back;
   * returns whether the backing store allowed it.
   */
  injectEdge(
    edgeMission: string,
    from: [mission: string, id: string],
    to: [mission: string, id: string],
  ): Promise<boolean>;
  /** The schema itself refuses an edge whose mission differs from its entities' (SQL foreign keys). */
  refusesForeignEdges: boolean;
  close(): Promise<void>;
}

interface Counts {
  entities: number;
  mentions: number;
  edges: number;
  documentVersions: number;
}

async function sqlSubject(): Promise<Subject> {
  const sql: SqlClient = await openPglite();
  // Migrated, then working as the platform does: the application role, bound by row-level security.
  await prepareEmbeddedDatabase(sql);
  const count = (missionId: string, text: string, params: unknown[] = []) =>
    sql.inMission(missionId, async (tx) =>
      Number((await tx.query<{ n: number }>(text, [missionId, ...params])).rows[0]?.n),
    );
  return {
    store: new SqlGraphStore(sql),
    counts: async (missionId) => ({
      entities: await count(missionId, 'SELECT count(*) AS n FROM entities WHERE mission_id = $1'),
      mentions: await count(missionId, 'SELECT count(*) AS n FROM entity_mentions WHERE mission_id = $1'),
      edges: await count(missionId, 'SELECT count(*) AS n FROM entity_edges WHERE mission_id = $1'),
      documentVersions: await count(
        missionId,
        `SELECT count(*) AS n FROM (SELECT DISTINCT document_id, content_version FROM entity_mentions
         WHERE mission_id = $1) v`,
      ),
    }),
    countOfType: (missionId, type) =>
      count(missionId, 'SELECT count(*) AS n FROM entities WHERE mission_id = $1 AND type = $2', [type]),
    injectEdge: async (edgeMission, [, fromId], [, toId]) => {
      const [from, to] = fromId < toId ? [fromId, toId] : [toId, fromId];
      try {
        await sql.inMission(edgeMission, (tx) =>
          tx.query(
            `INSERT INTO entity_edges (mission_id, from_id, to_id, document_id, content_version, weight)
             VALUES ($1, $2, $3, 'injected', 1, 1)`,
            [edgeMission, from, to],
          ),
        );
        return true;
      } catch {
        return false;
      }
    },
    refusesForeignEdges: true,
    close: () => sql.close(),
  };
}

async function neo4jSubject(): Promise<Subject> {
  const url = process.env.MF_TEST_NEO4J_URL;
  if (!url) {
    throw new Error(
      'MF_TEST_NEO4J_URL is not set: the Neo4j contract tests need the Neo4j the test set-up starts ' +
        '(test/support/services/neo4j.ts), with MF_TEST_NEO4J_USER and MF_TEST_NEO4J_PASSWORD',
    );
  }
  const auth = neo4j.auth.basic(
    process.env.MF_TEST_NEO4J_USER ?? 'neo4j',
    process.env.MF_TEST_NEO4J_PASSWORD ?? '',
  );
  const raw: Driver = neo4j.driver(url, auth);
  await raw.verifyConnectivity();
  const count = async (query: string, params: Record<string, unknown>) => {
    const { records } = await raw.executeQuery(query, params);
    return neo4j.integer.toNumber(records[0]?.get('n'));
  };
  return {
    store: new Neo4jGraphStore(neo4j.driver(url, auth)),
    counts: async (mission) => ({
      entities: await count('MATCH (e:Entity {mission: $mission}) RETURN count(e) AS n', { mission }),
      mentions: await count('MATCH (:Entity)-[r:MENTIONED_IN {mission: $mission}]->() RETURN count(r) AS n', {
        mission,
      }),
      edges: await count('MATCH ()-[r:CO_OCCURS {mission: $mission}]->() RETURN count(r) AS n', { mission }),
      documentVersions: await count('MATCH (d:Document {mission: $mission}) RETURN count(d) AS n', {
        mission,
      }),
    }),
    countOfType: (mission, type) =>
      count('MATCH (e:$($type) {mission: $mission}) RETURN count(e) AS n', { mission, type }),
    injectEdge: async (edgeMission, [fromMission, fromId], [toMission, toId]) => {
      const { records } = await raw.executeQuery(
        `MATCH (a:Entity {entityId: $fromId, mission: $fromMission}), (b:Entity {entityId: $toId, mission: $toMission})
         CREATE (a)-[:CO_OCCURS {mission: $edgeMission, documentId: 'injected', contentVersion: 1, weight: 1}]->(b)
         RETURN count(*) AS n`,
        { edgeMission, fromMission, fromId, toMission, toId },
      );
      return neo4j.integer.toNumber(records[0]?.get('n')) === 1;
    },
    refusesForeignEdges: false,
    close: async () => {
      await raw.close();
    },
  };
}

// One suffix per run: the Neo4j server is shared by every test file of a run.
const runId = randomBytes(4).toString('hex');
let missionCounter = 0;
const newMission = (name: string) => `${name}-${runId}-${++missionCounter}`;

type Ref = [type: string, key: string];

/** A document graph from (type, key) pairs; names are the keys capitalised, mentions one chunk each. */
function documentGraph(
  documentId: string,
  contentVersion: number,
  entities: Array<Ref | [type: string, key: string, chunks: number[]]>,
  relations: Array<[Ref, Ref, number?]> = [],
): DocumentGraph {
  return {
    documentId,
    contentVersion,
    entities: entities.map(([type, key, chunkIndexes = [0]]) => ({
      type,
      key,
      name: key.replace(/\b\w/g, (c) => c.toUpperCase()),
      chunkIndexes,
    })),
    relations: relations.map(([[fromType, fromKey], [toType, toKey], weight = 1]) => ({
      from: { type: fromType, key: fromKey },
      to: { type: toType, key: toKey },
      weight,
    })),
  };
}

/** A chain a - b - c - d - e of Person entities in one document, plus a - x. */
function chainGraph(documentId = 'chain'): DocumentGraph {
  const p = (key: string): Ref => ['Person', key];
  return documentGraph(documentId, 1, ['a', 'b', 'c', 'd', 'e', 'x'].map(p), [
    [p('a'), p('b')],
    [p('b'), p('c')],
    [p('c'), p('d')],
    [p('d'), p('e')],
    [p('x'), p('a')],
  ]);
}

async function expectInvalid(promise: Promise<unknown>, path?: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(MissionflowError);
  expect((error as MissionflowError).code).toBe('invalid_request');
  if (path) expect((error as MissionflowError).errors.map((e) => e.path)).toContain(path);
}

describe.each([
  ['SqlGraphStore on PGlite', sqlSubject],
  ['Neo4jGraphStore', neo4jSubject],
])('graph store contract: %s', (_name, open) => {
  let subject: Subject;
  let store: GraphStore;

  beforeAll(async () => {
    subject = await open();
    store = subject.store;
  });

  afterAll(async () => {
    await store?.close?.();
    await subject?.close();
  });

  const idOf = (missionId: string, type: string, key: string) => entityIdFor(missionId, type, key);

  it('ping answers', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('writes a document graph idempotently: one node per entity, one edge per pair per version', async () => {
    const mission = newMission('idem');
    const graph = documentGraph(
      'doc-1',
      1,
      [
        ['Person', 'ada lovelace', [0, 1]],
        ['Person', 'charles babbage', [1]],
        ['Organization', 'royal society', [2]],
      ],
      [
        [['Person', 'ada lovelace'], ['Person', 'charles babbage'], 1],
        [['Organization', 'royal society'], ['Person', 'ada lovelace'], 2],
      ],
    );
    await store.upsertDocument(mission, graph);
    await store.upsertDocument(mission, graph);
    expect(await subject.counts(mission)).toEqual({
      entities: 3,
      mentions: 3,
      edges: 2,
      documentVersions: 1,
    });
    expect(await subject.countOfType(mission, 'Person')).toBe(2);
    expect(await subject.countOfType(mission, 'Organization')).toBe(1);

    const ada = await store.getEntity(mission, idOf(mission, 'Person', 'ada lovelace'));
    expect(ada).toEqual({
      entityId: idOf(mission, 'Person', 'ada lovelace'),
      type: 'Person',
      key: 'ada lovelace',
      name: 'Ada Lovelace',
      mentions: 2,
    });

    // A second version of the same document adds its own contribution beside the first.
    await store.upsertDocument(mission, { ...graph, contentVersion: 2 });
    expect(await subject.counts(mission)).toEqual({
      entities: 3,
      mentions: 6,
      edges: 4,
      documentVersions: 2,
    });
    expect((await store.getEntity(mission, idOf(mission, 'Person', 'ada lovelace')))?.mentions).toBe(4);
  });

  it('replaces a version on a rewrite: what it no longer says goes, orphans disappear', async () => {
    const mission = newMission('rewrite');
    const ada: Ref = ['Person', 'ada'];
    const bob: Ref = ['Person', 'bob'];
    const carl: Ref = ['Person', 'carl'];
    const london: Ref = ['Place', 'london'];
    await store.upsertDocument(
      mission,
      documentGraph(
        'doc-1',
        1,
        [ada, bob, carl, london],
        [
          [ada, bob],
          [ada, london],
          [bob, carl],
        ],
      ),
    );
    // Rewritten: carl is gone, ada and bob no longer co-occur, ada and london do more often.
    await store.upsertDocument(
      mission,
      documentGraph('doc-1', 1, [[...ada, [0, 3]], bob, london], [[london, ada, 3]]),
    );
    expect(await subject.counts(mission)).toEqual({
      entities: 3,
      mentions: 3,
      edges: 1,
      documentVersions: 1,
    });
    expect(await store.getEntity(mission, idOf(mission, ...carl))).toBeNull();
    expect((await store.getEntity(mission, idOf(mission, ...ada)))?.mentions).toBe(2);
    expect(await store.neighbors(mission, idOf(mission, ...bob), 3, 10)).toEqual([]);
    expect((await store.neighbors(mission, idOf(mission, ...ada), 3, 10)).map((n) => n.key)).toEqual([
      'london',
    ]);

    // An empty graph for the version removes its whole contribution.
    await store.upsertDocument(mission, documentGraph('doc-1', 1, []));
    expect(await subject.counts(mission)).toEqual({
      entities: 0,
      mentions: 0,
      edges: 0,
      documentVersions: 0,
    });
  });

  it('finds entities by substring of the key and by type, exact matches and most mentioned first', async () => {
    const mission = newMission('find');
    await store.upsertDocument(
      mission,
      documentGraph('doc-1', 1, [
        ['Person', 'ada lovelace', [0, 1, 2]],
        ['Person', 'alan turing', [0]],
        ['Language', 'ada', [0]],
        ['Organization', 'adastra', [0, 1]],
      ]),
    );
    const keys = (entities: Array<{ type: string; key: string }>) =>
      entities.map((e) => `${e.type}:${e.key}`);

    expect(keys(await store.findEntities(mission, { q: 'ADA', limit: 10 }))).toEqual([
      'Language:ada',
      'Person:ada lovelace',
      'Organization:adastra',
    ]);
    expect(keys(await store.findEntities(mission, { q: '  ada   LOVE ', limit: 10 }))).toEqual([
      'Person:ada lovelace',
    ]);
    expect(keys(await store.findEntities(mission, { type: 'Person', limit: 10 }))).toEqual([
      'Person:ada lovelace',
      'Person:alan turing',
    ]);
    expect(keys(await store.findEntities(mission, { q: 'ada', type: 'Organization', limit: 10 }))).toEqual([
      'Organization:adastra',
    ]);
    expect(keys(await store.findEntities(mission, { limit: 2 }))).toEqual([
      'Person:ada lovelace',
      'Organization:adastra',
    ]);
    expect(await store.findEntities(mission, { q: 'nobody', limit: 10 })).toEqual([]);
    expect(await store.findEntities(mission, { type: 'Planet', limit: 10 })).toEqual([]);
    const [first] = await store.findEntities(mission, { q: 'turing', limit: 1 });
    expect(first).toEqual({
      entityId: idOf(mission, 'Person', 'alan turing'),
      type: 'Person',
      key: 'alan turing',
      name: 'Alan Turing',
      mentions: 1,
    });
    // A `%` or `_` is an ordinary character, not a wildcard.
    expect(await store.findEntities(mission, { q: '%', limit: 10 })).toEqual([]);
    expect(await store.findEntities(mission, { q: '_', limit: 10 })).toEqual([]);
  });

  it('traverses neighbours at depth 1, 2 and 3, nearest first, and caps the depth at 3', async () => {
    const mission = newMission('walk');
    await store.upsertDocument(mission, chainGraph());
    const a = idOf(mission, 'Person', 'a');
    const walk = async (depth: number, limit = 100) =>
      (await store.neighbors(mission, a, depth, limit)).map((n) => `${n.key}@${n.depth}`);

    expect(await walk(1)).toEqual(['b@1', 'x@1']);
    expect(await walk(2)).toEqual(['b@1', 'x@1', 'c@2']);
    expect(await walk(3)).toEqual(['b@1', 'x@1', 'c@2', 'd@3']);
    expect(await walk(10)).toEqual(['b@1', 'x@1', 'c@2', 'd@3']); // e is 4 hops away
    expect(await walk(3, 2)).toEqual(['b@1', 'x@1']);
    // Edges are traversed both ways: from e back towards a.
    const fromE = await store.neighbors(mission, idOf(mission, 'Person', 'e'), 3, 100);
    expect(fromE.map((n) => `${n.key}@${n.depth}`)).toEqual(['d@1', 'c@2', 'b@3']);
    const [b] = await store.neighbors(mission, a, 1, 1);
    expect(b).toEqual({
      entityId: idOf(mission, 'Person', 'b'),
      type: 'Person',
      key: 'b',
      name: 'B',
      mentions: 1,
      depth: 1,
    });

    await expectInvalid(store.neighbors(mission, a, 0, 10), 'depth');
    await expectInvalid(store.neighbors(mission, a, 1.5, 10), 'depth');
    await expectInvalid(store.neighbors(mission, a, 1, 0), 'limit');
    expect(await store.neighbors(mission, idOf(mission, 'Person', 'nobody'), 2, 10)).toEqual([]);
  });

  it('reports each neighbour once at its shortest distance, never the start, across cycles and versions', async () => {
    const mission = newMission('cycle');
    const p = (key: string): Ref => ['Person', key];
    const triangle = documentGraph('doc-1', 1, ['a', 'b', 'c'].map(p), [
      [p('a'), p('b')],
      [p('b'), p('c')],
      [p('c'), p('a')],
    ]);
    // The same pairs again from other documents and versions: parallel edges.
    await store.upsertDocument(mission, triangle);
    await store.upsertDocument(mission, { ...triangle, contentVersion: 2 });
    await store.upsertDocument(mission, { ...triangle, documentId: 'doc-2' });
    expect((await subject.counts(mission)).edges).toBe(9);
    const around = await store.neighbors(mission, idOf(mission, 'Person', 'a'), 3, 100);
    expect(around.map((n) => `${n.key}@${n.depth}`)).toEqual(['b@1', 'c@1']);
    expect(around.map((n) => n.mentions)).toEqual([3, 3]);
  });

  it('removes one version and keeps the other contributions; orphans disappear; idempotent', async () => {
    const mission = newMission('remove');
    const p = (key: string): Ref => ['Person', key];
    await store.upsertDocument(
      mission,
      documentGraph('doc-1', 1, ['a', 'b', 'old'].map(p), [[p('a'), p('old')]]),
    );
    await store.upsertDocument(mission, documentGraph('doc-1', 2, ['a', 'b'].map(p), [[p('a'), p('b')]]));
    await store.upsertDocument(mission, documentGraph('doc-2', 1, ['b', 'c'].map(p), [[p('b'), p('c')]]));
    expect(await subject.counts(mission)).toEqual({
      entities: 4,
      mentions: 7,
      edges: 3,
      documentVersions: 3,
    });

    await store.removeDocument(mission, 'doc-1', { exceptContentVersion: 2 });
    await store.removeDocument(mission, 'doc-1', { exceptContentVersion: 2 });
    expect(await subject.counts(mission)).toEqual({
      entities: 3,
      mentions: 4,
      edges: 2,
      documentVersions: 2,
    });
    expect(await store.getEntity(mission, idOf(mission, 'Person', 'old'))).toBeNull();
    expect((await store.getEntity(mission, idOf(mission, 'Person', 'a')))?.mentions).toBe(1);
    expect((await store.getEntity(mission, idOf(mission, 'Person', 'b')))?.mentions).toBe(2);
    const fromA = await store.neighbors(mission, idOf(mission, 'Person', 'a'), 3, 10);
    expect(fromA.map((n) => `${n.key}@${n.depth}`)).toEqual(['b@1', 'c@2']);

    await store.removeDocument(mission, 'doc-1');
    expect(await subject.counts(mission)).toEqual({
      entities: 2,
      mentions: 2,
      edges: 1,
      documentVersions: 1,
    });
    expect(await store.getEntity(mission, idOf(mission, 'Person', 'a'))).toBeNull();
    expect((await store.getEntity(mission, idOf(mission, 'Person', 'b')))?.mentions).toBe(1);
    expect((await store.neighbors(mission, idOf(mission, 'Person', 'b'), 1, 10)).map((n) => n.key)).toEqual([
      'c',
    ]);

    await store.removeDocument(mission, 'doc-1');
    await store.removeDocument(mission, 'never-written');
    expect(await subject.counts(mission)).toEqual({
      entities: 2,
      mentions: 2,
      edges: 1,
      documentVersions: 1,
    });
    await store.removeDocument(mission, 'doc-2');
    expect(await subject.counts(mission)).toEqual({
      entities: 0,
      mentions: 0,
      edges: 0,
      documentVersions: 0,
    });
  });

  it('keeps missions apart: ids, lookups, removal and traversal', async () => {
    const missionA = newMission('iso-a');
    const missionB = newMission('iso-b');
    await store.upsertDocument(missionA, chainGraph('shared'));
    await store.upsertDocument(missionB, chainGraph('shared'));
    // Mission B alone links a to someone more.
    const p = (key: string): Ref => ['Person', key];
    await store.upsertDocument(
      missionB,
      documentGraph('extra', 1, [p('a'), p('secret')], [[p('a'), p('secret')]]),
    );

    const aInA = idOf(missionA, 'Person', 'a');
    const aInB = idOf(missionB, 'Person', 'a');
    expect(aInA).not.toBe(aInB);
    expect((await store.getEntity(missionA, aInA))?.key).toBe('a');
    expect(await store.getEntity(missionA, aInB)).toBeNull();
    expect(await store.neighbors(missionA, aInB, 3, 100)).toEqual([]);
    expect((await store.findEntities(missionA, { limit: 100 })).map((e) => e.key).sort()).toEqual(
      ['a', 'b', 'c', 'd', 'e', 'x'].sort(),
    );
    expect(await store.findEntities(missionA, { q: 'secret', limit: 10 })).toEqual([]);
    expect(
      (await store.findEntities(missionA, { q: 'a', limit: 10 })).every((e) => e.entityId !== aInB),
    ).toBe(true);
    const walkA = await store.neighbors(missionA, aInA, 3, 100);
    expect(walkA.map((n) => n.key)).toEqual(['b', 'x', 'c', 'd']);
    expect(walkA.every((n) => n.entityId === idOf(missionA, n.type, n.key))).toBe(true);
    expect((await store.neighbors(missionB, aInB, 1, 100)).map((n) => n.key)).toEqual(['b', 'secret', 'x']);

    // Corrupt edges written behind the store's back are never followed: one of A's between A's a
    // and B's secret, one of B's between A's a and A's e.
    const secretInB = idOf(missionB, 'Person', 'secret');
    const injected = [
      await subject.injectEdge(missionA, [missionA, aInA], [missionB, secretInB]),
      await subject.injectEdge(missionB, [missionA, aInA], [missionA, idOf(missionA, 'Person', 'e')]),
    ];
    expect(injected).toEqual(subject.refusesForeignEdges ? [false, false] : [true, true]);
    expect((await store.neighbors(missionA, aInA, 3, 100)).map((n) => n.key)).toEqual(['b', 'x', 'c', 'd']);
    expect((await store.neighbors(missionB, secretInB, 3, 100)).map((n) => n.key)).toEqual([
      'a',
      'b',
      'x',
      'c',
    ]);

    // Removing the document in A leaves B's copy whole.
    await store.removeDocument(missionA, 'shared');
    expect(await subject.counts(missionA)).toMatchObject({ entities: 0, mentions: 0 });
    expect(await subject.counts(missionB)).toMatchObject({ entities: 7, mentions: 8 });
    expect((await store.getEntity(missionB, aInB))?.mentions).toBe(2);
  });

  it('refuses entity types that are not label-safe identifiers, writing nothing', async () => {
    const mission = newMission('labels');
    const withType = (type: string) =>
      documentGraph('doc-1', 1, [
        ['Person', 'ada'],
        [type, 'x'],
      ]);
    for (const type of [
      'Person) DETACH DELETE (n',
      'person',
      'Per son',
      'Per-son',
      '',
      '`Person`',
      'Entity',
      'Document',
    ]) {
      await expectInvalid(store.upsertDocument(mission, withType(type)), 'entities.1.type');
    }
    await expectInvalid(store.upsertDocument(mission, withType(`P${'x'.repeat(64)}`)), 'entities.1.type');
    await expectInvalid(store.findEntities(mission, { type: 'Person:Admin', limit: 10 }), 'type');
    await expectInvalid(store.upsertDocument('Not A Mission', withType('Person')), 'missionId');
    expect(await subject.counts(mission)).toEqual({
      entities: 0,
      mentions: 0,
      edges: 0,
      documentVersions: 0,
    });
  });

  it('refuses inconsistent graphs: unknown endpoints, self relations, duplicates, bad weights', async () => {
    const mission = newMission('shape');
    const p = (key: string): Ref => ['Person', key];
    const cases: Array<[DocumentGraph, string]> = [
      [documentGraph('d', 1, [p('a')], [[p('a'), p('z')]]), 'relations.0.to'],
      [documentGraph('d', 1, [p('a')], [[p('a'), p('a')]]), 'relations.0'],
      [documentGraph('d', 1, [p('a'), p('a')]), 'entities.1'],
      [
        documentGraph(
          'd',
          1,
          [p('a'), p('b')],
          [
            [p('a'), p('b')],
            [p('b'), p('a')],
          ],
        ),
        'relations.1',
      ],
      [documentGraph('d', 1, [p('a'), p('b')], [[p('a'), p('b'), 0]]), 'relations.0.weight'],
      [documentGraph('d', 0, [p('a')]), 'contentVersion'],
      [documentGraph('', 1, [p('a')]), 'documentId'],
    ];
    for (const [graph, path] of cases) await expectInvalid(store.upsertDocument(mission, graph), path);
    await expectInvalid(
      store.removeDocument(mission, 'd', { exceptContentVersion: -1 }),
      'exceptContentVersion',
    );
    expect(await subject.counts(mission)).toEqual({
      entities: 0,
      mentions: 0,
      edges: 0,
      documentVersions: 0,
    });
  });

  it('stores what the cartridge extractor finds', async () => {
    const mission = newMission('extract');
    const extracted = extractEntities(
      [
        { type: 'Person', terms: ['Ada Lovelace', 'Charles Babbage'] },
        { type: 'Machine', terms: ['Analytical Engine', 'Difference Engine'] },
        { type: 'Year', patterns: ['\\b1[89]\\d\\d\\b'] },
      ],
      [
        { chunkIndex: 0, text: 'In 1843 Ada Lovelace wrote notes on the Analytical Engine.' },
        { chunkIndex: 1, text: 'Charles Babbage designed the Analytical Engine and the Difference Engine.' },
        { chunkIndex: 2, text: 'ada lovelace corresponded with Charles Babbage.' },
      ],
    );
    await store.upsertDocument(mission, { documentId: 'notes', contentVersion: 1, ...extracted });
    await store.upsertDocument(mission, { documentId: 'notes', contentVersion: 1, ...extracted });
    expect(await subject.counts(mission)).toEqual({
      entities: extracted.entities.length,
      mentions: extracted.entities.length,
      edges: extracted.relations.length,
      documentVersions: 1,
    });
    const engine = idOf(mission, 'Machine', 'analytical engine');
    expect((await store.getEntity(mission, engine))?.mentions).toBe(2);
    const near = await store.neighbors(mission, engine, 1, 10);
    expect(near.map((n) => `${n.type}:${n.name}`)).toEqual([
      'Person:Ada Lovelace',
      'Person:Charles Babbage',
      'Machine:Difference Engine',
      'Year:1843',
    ]);
  });
});

describe('Neo4jGraphStore ping', () => {
  it('rejects, saying why, when nothing listens on the bolt port', async () => {
    const port = await freePort();
    const store = new Neo4jGraphStore(
      neo4j.driver(`bolt://127.0.0.1:${port}`, neo4j.auth.basic('neo4j', 'x')),
    );
    try {
      await expect(store.ping()).rejects.toThrow(/^Neo4j could not run RETURN 1: .*ECONNREFUSED/s);
    } finally {
      await store.close();
    }
  });

  it('rejects at its deadline when the server takes the connection and never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const store = new Neo4jGraphStore(
      neo4j.driver(`bolt://127.0.0.1:${port}`, neo4j.auth.basic('neo4j', 'x')),
    );
    try {
      await expect(store.ping()).rejects.toThrow(/^Neo4j did not answer within \d+ ms$/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
      await store.close();
    }
  });
});
