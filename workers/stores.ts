import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../domain/config';
import type { Logger } from '../observability/logger';
import { LocalBlobStore, type BlobStore } from '../stores/blobs/blob-store';
import { LruSearchCache, type SearchCache } from '../stores/cache/search-cache';
import { CartridgeStore } from '../stores/relational/cartridges';
import { createDocumentStores, type DocumentStores } from '../stores/relational/documents';
import { DocumentEventStore } from '../stores/relational/events';
import { SectionStore } from '../stores/relational/sections';
import { VerificationStore } from '../stores/relational/verification';
import type { GraphStore } from '../stores/graph/graph-store';
import { Neo4jGraphStore } from '../stores/graph/neo4j-graph';
import { SqlGraphStore } from '../stores/graph/sql-graph';
import neo4j from 'neo4j-driver';
import { migrate } from '../stores/relational/migrate';
import { openEmbeddedDatabase } from '../stores/relational/pglite';
import { assertRowLevelSecurityHolds, currentRole, openPostgres } from '../stores/relational/postgres';
import { QdrantVectorStore } from '../stores/vectors/qdrant-vectors';
import { RedisSearchCache } from '../stores/cache/redis-cache';
import { S3BlobStore } from '../stores/blobs/s3-blobs';
import type { SqlClient } from '../stores/relational/sql';
import { PgVectorStore, type VectorStore } from '../stores/vectors/vector-store';

export type StoreProfile = 'embedded' | 'services';

export interface Stores extends DocumentStores {
  sql: SqlClient;
  /** The verification queue's tasks and the reviewers' corrections. */
  verification: VerificationStore;
  /** Document status and step changes, for the event stream. */
  events: DocumentEventStore;
  /** The sections of long documents (deep lane). */
  sections: SectionStore;
  cartridges: CartridgeStore;
  blobs: BlobStore;
  vectors: VectorStore;
  cache: SearchCache;
  graph: GraphStore;
  /** Which implementation each store uses, for the start-up log and the README's table. */
  profile: Record<'database' | 'vectors' | 'cache' | 'blobs' | 'graph', StoreProfile>;
  /** True when the relational store can be shared by several processes (not PGlite). */
  shareable: boolean;
  close(): Promise<void>;
}

/**
 * Opens every store from configuration: each one from its own variable (DATABASE_URL, QDRANT_URL,
 * REDIS_URL, S3_ENDPOINT), embedded when unset. Closes what it opened if a later one fails.
 */
export async function openStores(config: Config, dataDir: string, logger: Logger): Promise<Stores> {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) {
      await closer().catch((error: unknown) => logger.error({ err: error }, 'closing a store failed'));
    }
  };
  try {
    const sql = await openDatabase(config, dataDir, logger);
    closers.push(() => sql.close());
    // Row-level security is what keeps missions apart in SQL: refuse a role it does not bind.
    await assertRowLevelSecurityHolds(sql);

    const blobs = await openBlobs(config, dataDir, logger);
    if (blobs instanceof S3BlobStore) closers.push(async () => blobs.destroy());
    const cartridges = new CartridgeStore(sql);
    const vectors = await openVectors(config, sql, cartridges);
    closers.push(async () => vectors.close?.());
    const cache: SearchCache = config.REDIS_URL
      ? new RedisSearchCache({
          url: config.REDIS_URL,
          keyPrefix: config.REDIS_KEY_PREFIX,
          onError: (error, context) => logger.warn({ err: error, ...context }, 'search cache unavailable'),
        })
      : new LruSearchCache({ maxEntries: config.SEARCH_CACHE_ENTRIES });
    closers.push(() => cache.close());
    const graph: GraphStore = config.NEO4J_URL
      ? new Neo4jGraphStore(
          neo4j.driver(
            config.NEO4J_URL,
            neo4j.auth.basic(config.NEO4J_USER ?? 'neo4j', config.NEO4J_PASSWORD ?? ''),
          ),
          config.NEO4J_DATABASE,
        )
      : new SqlGraphStore(sql);
    closers.push(async () => graph.close?.());

    return {
      sql,
      ...createDocumentStores(sql),
      verification: new VerificationStore(sql),
      events: new DocumentEventStore(sql),
      sections: new SectionStore(sql),
      cartridges,
      blobs,
      vectors,
      cache,
      graph,
      profile: {
        database: config.DATABASE_URL ? 'services' : 'embedded',
        vectors: config.QDRANT_URL ? 'services' : 'embedded',
        cache: config.REDIS_URL ? 'services' : 'embedded',
        blobs: config.S3_ENDPOINT ? 'services' : 'embedded',
        graph: config.NEO4J_URL ? 'services' : 'embedded',
      },
      shareable: Boolean(config.DATABASE_URL),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function openDatabase(config: Config, dataDir: string, logger: Logger): Promise<SqlClient> {
  if (!config.DATABASE_URL) {
    const { sql, appliedMigrations } = await openEmbeddedDatabase(join(dataDir, 'pglite'));
    if (appliedMigrations.length > 0) logger.info({ migrations: appliedMigrations }, 'database migrated');
    return sql;
  }
  const sql = openPostgres({
    connectionString: config.DATABASE_URL,
    maxConnections: config.DATABASE_POOL_SIZE,
  });
  try {
    // With an owner connection, the owner migrates and grants the application role data access;
    // without one, the application role owns the schema (FORCE keeps RLS binding on it).
    const owner = config.DATABASE_MIGRATION_URL
      ? openPostgres({ connectionString: config.DATABASE_MIGRATION_URL, maxConnections: 1 })
      : null;
    try {
      const applied = owner ? await migrate(owner, { grantTo: await currentRole(sql) }) : await migrate(sql);
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    } finally {
      await owner?.close();
    }
    return sql;
  } catch (error) {
    await sql.close();
    throw error;
  }
}

async function openBlobs(config: Config, dataDir: string, logger: Logger): Promise<BlobStore> {
  if (config.S3_ENDPOINT && config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY) {
    const blobs = new S3BlobStore({
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      bucket: config.S3_BUCKET,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      // Each process spools its own uploads: a start-up sweep must never take another's.
      spoolDir: join(dataDir, 'spool', String(process.pid)),
    });
    await blobs.ensureBucket();
    return blobs;
  }
  const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
  await mkdir(join(dataDir, 'blobs'), { recursive: true });
  // Several processes share the folder when the database is shared: only long-idle files are abandoned.
  const swept = await blobs.sweepTemporaryFiles(config.DATABASE_URL ? 60 * 60_000 : 0);
  if (swept > 0) logger.info({ swept }, 'removed temporary files of uploads that never finished');
  return blobs;
}

async function openVectors(config: Config, sql: SqlClient, cartridges: CartridgeStore): Promise<VectorStore> {
  if (config.QDRANT_URL) {
    return new QdrantVectorStore({
      url: config.QDRANT_URL,
      apiKey: config.QDRANT_API_KEY,
      // Asked on every call, so a new cartridge version takes effect at once.
      collectionMode: async (missionId) =>
        (await cartridges.activeVersion(missionId))?.cartridge.storage.vectorCollection ?? 'shared',
    });
  }
  const { rows } = await sql.query(
    `SELECT 1 FROM information_schema.columns WHERE table_name = 'chunks' AND column_name = 'embedding'`,
  );
  if (rows.length === 0) {
    throw new Error(
      'the database has no pgvector (the chunks.embedding column is missing): set QDRANT_URL, or install pgvector',
    );
  }
  return new PgVectorStore(sql);
}
