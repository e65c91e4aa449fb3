import type { SqlClient, SqlExecutor } from './sql';

/**
 * Planner statistics for the embedded database. PostgreSQL's autovacuum daemon keeps them fresh on
 * a server; PGlite runs a single backend with no daemon, so without this no table was ever analysed
 * and the planner costed every table as nearly empty: at 10,000 chunks the dense strategy scanned
 * every vector instead of walking the HNSW index (80 ms a question, against 20 ms), and search
 * results were joined to their documents by a loop over every document (npm run bench:search).
 * Same rule as autovacuum's default: a table is analysed once the rows written since its last
 * analysis pass 50 plus a tenth of its size.
 */
const staleTablesSql = `
  SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
  WHERE s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
  ORDER BY s.relname`;

/** Tables never analysed: their write counts do not survive a restart, their size estimate does. */
const neverAnalysedSql = `
  SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
  WHERE c.reltuples < 0
  ORDER BY s.relname`;

/** Transactions between two looks at the write counts (the look is one small query). */
const transactionsBetweenChecks = 200;

export interface EmbeddedStatistics {
  /** Counts a finished transaction; every so often analyses the tables that changed enough. */
  afterTransaction(): void;
  /** Resolves once no analysis is running (before the database closes). */
  idle(): Promise<void>;
}

export function embeddedStatistics(transaction: SqlClient['transaction']): EmbeddedStatistics {
  let sinceCheck = 0;
  let running: Promise<void> | null = null;
  return {
    afterTransaction() {
      if (++sinceCheck < transactionsBetweenChecks || running) return;
      sinceCheck = 0;
      // In the background: statistics only steer plans, so a failed analysis costs speed, never
      // an answer, and the write that happened to be the 200th does not wait for it.
      running = transaction(async (tx) => {
        // ANALYZE needs the tables' owner; the session runs as the application role, so the owner
        // takes over for this transaction only (SET LOCAL ends with it, whatever happens).
        await tx.query('SET LOCAL ROLE NONE');
        await analyseTables(tx, staleTablesSql);
      })
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

/** Analyses the tables `which` names; `tx` must act as their owner. */
async function analyseTables(tx: SqlExecutor, which: string): Promise<void> {
  const { rows } = await tx.query<{ relname: string }>(which);
  for (const { relname } of rows) await tx.query(`ANALYZE "${relname.replaceAll('"', '""')}"`);
}

/**
 * At start-up, as the owner: the tables never analysed (a database written before this existed, or
 * a new one), since the write counts that drive `afterTransaction` do not survive a restart.
 */
export function analyseNeverAnalysedTables(owner: SqlExecutor): Promise<void> {
  return analyseTables(owner, neverAnalysedSql);
}
