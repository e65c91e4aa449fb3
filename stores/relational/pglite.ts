import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { migrate } from './migrate';
import { applicationRole } from './migrations';
import { analyseNeverAnalysedTables, embeddedStatistics } from './pglite-statistics';
import { setMissionSql, type SqlClient, type SqlExecutor } from './sql';

/**
 * Embedded PostgreSQL (PGlite, WASM) with pgvector. One process owns the data directory, which is
 * why the embedded stack runs its API and workers in one process.
 * `dataDir` undefined means in memory (tests of pure SQL behaviour).
 */
export async function openPglite(dataDir?: string): Promise<SqlClient> {
  const db = await PGlite.create(dataDir, { extensions: { vector } });
  const executor = (target: Pick<PGlite, 'query'>): SqlExecutor => ({
    async query<Row>(text: string, params?: unknown[]) {
      const result = await target.query<Row>(text, params);
      return { rows: result.rows };
    },
  });
  // No autovacuum in PGlite: what it does is done here (pglite-statistics.ts).
  const statistics = embeddedStatistics(executor(db));
  const inTransaction = async <T>(work: (tx: Transaction) => Promise<T>): Promise<T> => {
    const result = await db.transaction(work);
    statistics.afterTransaction();
    return result;
  };
  return {
    ...executor(db),
    transaction: (work) => inTransaction((tx) => work(executor(tx))),
    // As missionScoped does (sql.ts); PGlite's `query` always takes the extended protocol, `exec`
    // the simple one.
    inMission: (missionId, work) =>
      inTransaction(async (tx) => {
        await tx.exec(setMissionSql(missionId));
        return work(executor(tx));
      }),
    close: async () => {
      await statistics.idle();
      await db.close();
    },
  };
}

/**
 * The embedded profile's database, migrated, with the session then switched to the application
 * role: like the services profile it is neither superuser nor BYPASSRLS, so row-level security
 * holds here too (a superuser session would see every mission). The switch guards against a query
 * that forgets its mission, not against code in this process, which could RESET ROLE.
 */
export async function openEmbeddedDatabase(
  dataDir?: string,
): Promise<{ sql: SqlClient; appliedMigrations: number[] }> {
  const sql = await openPglite(dataDir);
  try {
    return { sql, appliedMigrations: await prepareEmbeddedDatabase(sql) };
  } catch (error) {
    await sql.close();
    throw error;
  }
}

/** Migrates as the database owner, then continues as the application role. Idempotent. */
export async function prepareEmbeddedDatabase(sql: SqlClient): Promise<number[]> {
  await sql.query('RESET ROLE');
  // A DO block, because CREATE ROLE has no IF NOT EXISTS.
  await sql.query(`DO $do$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${applicationRole}') THEN
      CREATE ROLE ${applicationRole} NOSUPERUSER NOBYPASSRLS;
    END IF;
  END $do$`);
  const applied = await migrate(sql, { grantTo: applicationRole });
  // Vacuum and analysis are the database's own upkeep, done by the platform here (pglite-statistics.ts).
  await sql.query(`GRANT MAINTAIN ON ALL TABLES IN SCHEMA public TO ${applicationRole}`);
  await analyseNeverAnalysedTables(sql);
  await sql.query(`SET ROLE ${applicationRole}`);
  return applied;
}
