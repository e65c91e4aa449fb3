import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { SqlClient, SqlExecutor } from './sql';

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
  return {
    ...executor(db),
    transaction: (work) => db.transaction((tx) => work(executor(tx))),
    close: () => db.close(),
  };
}
