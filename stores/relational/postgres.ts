import { Pool, type PoolClient } from 'pg';
import { missionScoped, type SqlClient, type SqlExecutor } from './sql';

export interface PostgresOptions {
  connectionString: string;
  maxConnections?: number;
  applicationName?: string;
}

/**
 * PostgreSQL through a `pg` pool (services profile): the same SqlClient surface as PGlite, so the
 * stores run the same statements on both.
 */
export function openPostgres(options: PostgresOptions): SqlClient {
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'missionflow',
  });
  // An idle client that loses its server emits here; without a listener it would crash the process.
  pool.on('error', () => undefined);
  const executor = (target: Pool | PoolClient): SqlExecutor => ({
    async query<Row>(text: string, params?: unknown[]) {
      const result = await target.query(text, params);
      return { rows: result.rows as Row[] };
    },
  });
  const transaction = async <T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(executor(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };
  return {
    ...executor(pool),
    transaction,
    inMission: missionScoped(transaction),
    close: () => pool.end(),
  };
}

/**
 * Row-level security does not hold for superusers or BYPASSRLS roles, so the platform refuses to
 * serve missions through one.
 */
export async function assertRowLevelSecurityHolds(sql: SqlClient): Promise<void> {
  const { rows } = await sql.query<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean }>(
    'SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user',
  );
  const role = rows[0];
  if (!role || role.rolsuper || role.rolbypassrls) {
    throw new Error(
      `DATABASE_URL connects as ${role?.rolname ?? 'an unknown role'}, which bypasses row-level security; ` +
        'connect as a role with NOSUPERUSER NOBYPASSRLS and run migrations through DATABASE_MIGRATION_URL',
    );
  }
}

export async function currentRole(sql: SqlClient): Promise<string> {
  const { rows } = await sql.query<{ role: string }>('SELECT current_user AS role');
  return rows[0]?.role ?? '';
}
