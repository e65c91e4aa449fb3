import { migrations } from './migrations';
import type { SqlClient } from './sql';

/**
 * Applies pending migrations. `grantTo` names the application's role when migrations run as the
 * schema owner (DATABASE_MIGRATION_URL): it gets data access to every table and nothing more.
 * `through` stops after that version (tests of a migration over the rows of the one before).
 */
export async function migrate(
  sql: SqlClient,
  options: { grantTo?: string; through?: number } = {},
): Promise<number[]> {
  // Several processes may start at once against one server: each step holds a transaction-scoped
  // advisory lock and re-checks what is applied under it, so every migration applies exactly once.
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [migrationLock]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
  const appliedNow: number[] = [];
  for (const migration of migrations) {
    if (options.through !== undefined && migration.version > options.through) break;
    if (migration.requiresExtension && !(await extensionAvailable(sql, migration.requiresExtension)))
      continue;
    const applied = await sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [migrationLock]);
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (done.rows.length > 0) return false;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (applied) appliedNow.push(migration.version);
  }
  if (options.grantTo) await grantDataAccess(sql, options.grantTo);
  return appliedNow;
}

/** An arbitrary constant naming missionflow's migration lock among the server's advisory locks. */
const migrationLock = 7_346_101;

async function extensionAvailable(sql: SqlClient, name: string): Promise<boolean> {
  const { rows } = await sql.query('SELECT 1 FROM pg_available_extensions WHERE name = $1', [name]);
  return rows.length > 0;
}

const roleNamePattern = /^[a-z_][a-z0-9_]{0,62}$/;

async function grantDataAccess(sql: SqlClient, role: string): Promise<void> {
  // A role name cannot be a bind parameter; it is checked against a strict pattern instead.
  if (!roleNamePattern.test(role)) throw new Error(`refusing to grant to role name ${JSON.stringify(role)}`);
  await sql.transaction(async (tx) => {
    // Concurrent GRANTs on one object fail ("tuple concurrently updated"): same lock as migrations.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [migrationLock]);
    await tx.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await tx.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
    await tx.query(`REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM ${role}`);
  });
}

/** Migrations hold no semicolons inside literals or bodies, so a plain split is exact. */
function splitStatements(sql: string): string[] {
  return sql
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}
