import type { SqlClient } from './sql';

/**
 * Versioned schema migrations, applied in order inside one transaction each and recorded in
 * schema_migrations. Plain PostgreSQL so the same list runs on PGlite and on a real server.
 * Never edit a released migration: add the next one.
 */
export const migrations: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'documents, steps, chunks, cartridges',
    sql: `
      CREATE EXTENSION IF NOT EXISTS vector;

      CREATE TABLE missions (
        mission_id text PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE cartridge_versions (
        mission_id text NOT NULL REFERENCES missions (mission_id),
        version integer NOT NULL,
        content jsonb NOT NULL,
        sha256 text NOT NULL,
        source text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (mission_id, version)
      );

      CREATE TABLE documents (
        mission_id text NOT NULL REFERENCES missions (mission_id),
        document_id text NOT NULL,
        sha256 text NOT NULL,
        size_bytes bigint NOT NULL,
        media_type text NOT NULL,
        title text,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        blob_key text NOT NULL,
        status text NOT NULL,
        cartridge_version integer NOT NULL,
        content_version integer NOT NULL DEFAULT 1,
        document_class text,
        lane text,
        routing_rule text,
        chunk_count integer,
        text_encoding text,
        error_code text,
        error_message text,
        workflow_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        indexed_at timestamptz,
        PRIMARY KEY (mission_id, document_id),
        UNIQUE (mission_id, sha256)
      );
      CREATE INDEX documents_by_created ON documents (mission_id, created_at DESC, document_id DESC);
      CREATE INDEX documents_by_status ON documents (mission_id, status, created_at DESC, document_id DESC);

      CREATE TABLE document_steps (
        mission_id text NOT NULL,
        document_id text NOT NULL,
        step text NOT NULL,
        status text NOT NULL,
        executions integer NOT NULL DEFAULT 0,
        result jsonb,
        last_error text,
        started_at timestamptz,
        finished_at timestamptz,
        duration_ms integer,
        PRIMARY KEY (mission_id, document_id, step),
        FOREIGN KEY (mission_id, document_id) REFERENCES documents (mission_id, document_id) ON DELETE CASCADE
      );

      CREATE TABLE chunks (
        mission_id text NOT NULL,
        document_id text NOT NULL,
        content_version integer NOT NULL,
        chunk_index integer NOT NULL,
        chunk_id text NOT NULL,
        heading text,
        text text NOT NULL,
        search_vector tsvector NOT NULL,
        embedding vector,
        embedding_model text,
        searchable boolean NOT NULL DEFAULT false,
        PRIMARY KEY (mission_id, document_id, content_version, chunk_index),
        UNIQUE (mission_id, chunk_id),
        FOREIGN KEY (mission_id, document_id) REFERENCES documents (mission_id, document_id) ON DELETE CASCADE
      );
      CREATE INDEX chunks_search_vector ON chunks USING gin (search_vector);
      CREATE INDEX chunks_searchable ON chunks (mission_id, searchable);
    `,
  },
];

export async function migrate(sql: SqlClient): Promise<number[]> {
  await sql.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const { rows } = await sql.query<{ version: number }>('SELECT version FROM schema_migrations');
  const applied = new Set(rows.map((row) => row.version));
  const appliedNow: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    await sql.transaction(async (tx) => {
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
    });
    appliedNow.push(migration.version);
  }
  return appliedNow;
}

/** Migrations hold no semicolons inside literals or bodies, so a plain split is exact. */
function splitStatements(sql: string): string[] {
  return sql
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}
