import type { SqlExecutor } from './sql';

/**
 * What PostgreSQL's autovacuum daemon does on a server, for the embedded database: PGlite runs a
 * single backend with no daemon.
 * - Planner statistics: without them no table was ever analysed and the planner costed every table
 *   as nearly empty: at 10,000 chunks the dense strategy scanned every vector instead of walking the
 *   HNSW index (80 ms a question, against 20 ms), and search results were joined to their documents
 *   by a loop over every document (npm run bench:search). Autovacuum's default rule: a table is
 *   analysed once the rows written since its last analysis pass 50 plus a tenth of its size.
 * - Vacuum: it marks pages all-visible, which lets a query read an index alone (BM25's postings
 *   read that way take about half the time at 100,000 chunks) and reclaims deleted rows. Autovacuum's
 *   rules: dead rows past 50 plus a fifth of the table, or rows inserted since the last vacuum past
 *   1,000 plus a fifth. Here it runs in the one backend, so queries wait while it does (about 4 s
 *   for the 3 million postings of 100,000 chunks); the fifth makes that rare as the data grows.
 * The application role may do both (the MAINTAIN privilege, granted by pglite.ts), so no role
 * changes for it.
 */
const staleTablesSql = `
  SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
  WHERE s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
  ORDER BY s.relname`;

const tablesToVacuumSql = `
  SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
  WHERE s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0)
     OR s.n_ins_since_vacuum > 1000 + 0.2 * greatest(c.reltuples, 0)
  ORDER BY s.relname`;

/** Tables never analysed: their write counts do not survive a restart, their size estimate does. */
const neverAnalysedSql = `
  SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
  WHERE c.reltuples < 0
  ORDER BY s.relname`;

/** Transactions between two looks at the write counts (the look is one small query). */
const transactionsBetweenChecks = 200;

export interface EmbeddedStatistics {
  /** Counts a finished transaction; every so often analyses and vacuums the tables that need it. */
  afterTransaction(): void;
  /** Resolves once no analysis is running (before the database closes). */
  idle(): Promise<void>;
}

/** `db` runs each statement on its own, outside any transaction (VACUUM cannot run inside one). */
export function embeddedStatistics(db: SqlExecutor): EmbeddedStatistics {
  let sinceCheck = 0;
  let running: Promise<void> | null = null;
  return {
    afterTransaction() {
      if (++sinceCheck < transactionsBetweenChecks || running) return;
      sinceCheck = 0;
      // In the background: both only make queries faster, so a failure costs speed, never an
      // answer, and the write that happened to be the 200th does not wait for them.
      running = (async () => {
        await maintainTables(db, 'ANALYZE', staleTablesSql);
        await maintainTables(db, 'VACUUM', tablesToVacuumSql);
      })()
        .catch(() => undefined)
        .finally(() => {
          running = null;
        });
    },
    idle: async () => {
      await running?.catch(() => undefined);
    },
  };
}

/** Analyses or vacuums the tables `which` names. */
async function maintainTables(db: SqlExecutor, command: 'ANALYZE' | 'VACUUM', which: string): Promise<void> {
  const { rows } = await db.query<{ relname: string }>(which);
  for (const { relname } of rows) await db.query(`${command} "${relname.replaceAll('"', '""')}"`);
}

/**
 * At start-up, as the owner: the tables never analysed (a database written before this existed, or
 * a new one), since the write counts that drive `afterTransaction` do not survive a restart.
 */
export function analyseNeverAnalysedTables(owner: SqlExecutor): Promise<void> {
  return maintainTables(owner, 'ANALYZE', neverAnalysedSql);
}
