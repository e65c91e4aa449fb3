import { graphTables, graphTablesSql } from '../graph/sql-graph';
import { searchableChunksMigrationSql, statisticsTables } from './searchable-chunks';
import { missionSetting } from './sql';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * A PostgreSQL extension the migration needs. Where it is not available (a server without
   * pgvector, whose vectors live in Qdrant) the migration is left unapplied, and applies later if
   * the extension appears.
   */
  requiresExtension?: string;
}

/** The vector dimension migration 11 indexes with HNSW. */
export const indexedDimensions = 384;

/** The role the platform works as: neither superuser nor BYPASSRLS, so row-level security holds. */
export const applicationRole = 'missionflow_app';

/**
 * Percent of a chunk page filled by inserts: the rest is room for the searchable flag's update to
 * stay on the page (HOT). 60 measured 11 ms less per 10 KB document on PGlite than the default 100.
 */
const chunkFillFactor = 60;

/** Mission tables every row of which belongs to one mission, guarded by row-level security. */
export const missionTables = ['cartridge_versions', 'documents', 'document_steps', 'chunks'] as const;

/** Tables of migration 7 (review and events), guarded the same way. */
export const reviewTables = [
  'verification_tasks',
  'document_corrections',
  'document_events',
  'mission_event_counters',
] as const;

/** Tables of migration 8 (the deep lane's sections), guarded the same way. */
export const sectionTables = ['document_sections'] as const;

/** Tables of migration 10 (the lexical index and the chunks' entities), guarded the same way. */
export const retrievalTables = ['chunk_terms', 'chunk_entities'] as const;

/**
 * Row-level security for one mission table: rows are visible and writable only inside a
 * transaction scoped to their mission (SqlClient.inMission). FORCE makes it hold for the table's
 * owner too; only superusers and BYPASSRLS roles escape, and the platform refuses to run as those.
 */
export function missionIsolationSql(table: string): string {
  const sameMission = `mission_id = current_setting('${missionSetting}', true)`;
  return `
    ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
    ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
    CREATE POLICY ${table}_mission_isolation ON ${table} USING (${sameMission}) WITH CHECK (${sameMission});
  `;
}

/**
 * Versioned schema migrations, applied in order inside one transaction each and recorded in
 * schema_migrations. Plain PostgreSQL so the same list runs on PGlite and on a real server.
 * Never change what a released migration does: add the next one. (Migration 1 once also created
 * the pgvector column; that moved to migration 2 unchanged, which is a no-op where it exists.)
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'documents, steps, chunks, cartridges',
    sql: `
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
  {
    version: 2,
    name: 'pgvector embeddings on chunk rows',
    requiresExtension: 'vector',
    sql: `
      CREATE EXTENSION IF NOT EXISTS vector;
      ALTER TABLE chunks ADD COLUMN IF NOT EXISTS embedding vector;
    `,
  },
  {
    version: 3,
    name: 'mission registry and row-level security',
    sql: `
      ALTER TABLE missions ADD COLUMN active_version integer;
      UPDATE missions m SET active_version = (
        SELECT max(version) FROM cartridge_versions v WHERE v.mission_id = m.mission_id);
      ALTER TABLE missions ENABLE ROW LEVEL SECURITY;
      ALTER TABLE missions FORCE ROW LEVEL SECURITY;
      CREATE POLICY missions_listed ON missions FOR SELECT USING (true);
      CREATE POLICY missions_registered ON missions FOR INSERT
        WITH CHECK (mission_id = current_setting('${missionSetting}', true));
      CREATE POLICY missions_updated ON missions FOR UPDATE
        USING (mission_id = current_setting('${missionSetting}', true))
        WITH CHECK (mission_id = current_setting('${missionSetting}', true));
      ${missionTables.map(missionIsolationSql).join('\n')}
    `,
  },
  {
    version: 4,
    name: 'entity graph tables (embedded graph store)',
    sql: `${graphTablesSql}; ${graphTables.map(missionIsolationSql).join('\n')}`,
  },
  {
    version: 5,
    name: 'document deletion: when a deleted document was purged from every store',
    sql: `ALTER TABLE documents ADD COLUMN purged_at timestamptz`,
  },
  {
    version: 6,
    name: 'document updates: external ids and content versions',
    sql: `
      ALTER TABLE documents ADD COLUMN external_id text;
      ALTER TABLE documents ADD COLUMN superseded_blob_keys text[] NOT NULL DEFAULT '{}';
      CREATE UNIQUE INDEX documents_by_external_id ON documents (mission_id, external_id)
        WHERE external_id IS NOT NULL;
      ALTER TABLE documents DROP CONSTRAINT documents_mission_id_sha256_key;
      CREATE UNIQUE INDEX documents_by_sha256 ON documents (mission_id, sha256) WHERE external_id IS NULL
    `,
  },
  {
    version: 7,
    name: 'consensus, PII findings, the verification queue and document events',
    sql: `
      ALTER TABLE documents ADD COLUMN class_confidence real;
      ALTER TABLE documents ADD COLUMN consensus jsonb;
      ALTER TABLE documents ADD COLUMN pii jsonb;
      ALTER TABLE documents ADD COLUMN labels text[] NOT NULL DEFAULT '{}';
      CREATE TABLE verification_tasks (
        mission_id text NOT NULL,
        task_id text NOT NULL,
        document_id text NOT NULL,
        content_version integer NOT NULL,
        workflow_id text NOT NULL,
        reasons text[] NOT NULL,
        state text NOT NULL CHECK (state IN ('open', 'claimed', 'decided', 'expired')),
        claimant text,
        lease_expires_at timestamptz,
        deadline_at timestamptz NOT NULL,
        escalations integer NOT NULL DEFAULT 0,
        decision text CHECK (decision IN ('approve', 'reject', 'correct')),
        decision_reason text,
        decided_by text,
        decided_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (mission_id, task_id),
        UNIQUE (mission_id, document_id, content_version)
      );
      CREATE INDEX verification_tasks_queue ON verification_tasks (mission_id, state, created_at);
      CREATE TABLE document_corrections (
        mission_id text NOT NULL,
        task_id text NOT NULL,
        document_id text NOT NULL,
        content_version integer NOT NULL,
        reviewer text NOT NULL,
        corrected_at timestamptz NOT NULL DEFAULT now(),
        corrections jsonb NOT NULL,
        PRIMARY KEY (mission_id, task_id)
      );
      CREATE TABLE mission_event_counters (
        mission_id text PRIMARY KEY,
        last_event_id bigint NOT NULL
      );
      CREATE TABLE document_events (
        mission_id text NOT NULL,
        event_id bigint NOT NULL,
        document_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('status', 'step')),
        status text NOT NULL,
        step text,
        detail jsonb NOT NULL DEFAULT '{}',
        at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (mission_id, event_id)
      );
      ${reviewTables.map(missionIsolationSql).join('\n')}
    `,
  },
  {
    version: 8,
    name: 'page counts, detected languages and the sections of long documents (deep lane)',
    sql: `
      ALTER TABLE documents ADD COLUMN page_count integer;
      ALTER TABLE documents ADD COLUMN language text;
      CREATE TABLE document_sections (
        mission_id text NOT NULL,
        document_id text NOT NULL,
        content_version integer NOT NULL,
        section_index integer NOT NULL,
        first_page integer NOT NULL,
        last_page integer NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'done')),
        executions integer NOT NULL DEFAULT 0,
        completions integer NOT NULL DEFAULT 0,
        parsed jsonb,
        started_at timestamptz,
        finished_at timestamptz,
        PRIMARY KEY (mission_id, document_id, content_version, section_index)
      );
      ${sectionTables.map(missionIsolationSql).join('\n')}
    `,
  },
  {
    version: 9,
    name: 'updates queued while the previous version is still processed',
    sql: `
      ALTER TABLE documents ADD COLUMN queued_update jsonb;
    `,
  },
  {
    version: 10,
    // Chunks indexed before this migration have no postings: lexical search finds them again once
    // they are reprocessed (vector search still does meanwhile). The full-text GIN index goes: BM25
    // reads the postings instead.
    name: 'retrieval: BM25 postings and lengths per chunk, and the entities each chunk mentions',
    sql: `
      ALTER TABLE chunks ADD COLUMN term_weight real;
      CREATE TABLE chunk_terms (
        mission_id text NOT NULL,
        chunk_id text NOT NULL,
        term text NOT NULL,
        weight real NOT NULL,
        PRIMARY KEY (mission_id, term, chunk_id),
        FOREIGN KEY (mission_id, chunk_id) REFERENCES chunks (mission_id, chunk_id) ON DELETE CASCADE
      );
      CREATE INDEX chunk_terms_by_chunk ON chunk_terms (mission_id, chunk_id);
      DROP INDEX chunks_search_vector;
      CREATE TABLE chunk_entities (
        mission_id text NOT NULL,
        chunk_id text NOT NULL,
        type text NOT NULL,
        key text NOT NULL,
        name text NOT NULL,
        PRIMARY KEY (mission_id, chunk_id, type, key),
        FOREIGN KEY (mission_id, chunk_id) REFERENCES chunks (mission_id, chunk_id) ON DELETE CASCADE
      );
      CREATE INDEX chunk_entities_by_key ON chunk_entities (mission_id, key, type);
      CREATE INDEX chunks_by_content ON chunks (mission_id, md5(text));
      ${retrievalTables.map(missionIsolationSql).join('\n')}
    `,
  },
  {
    version: 11,
    name: 'an HNSW index for 384-dimension vectors (the lexical default and the local semantic model)',
    requiresExtension: 'vector',
    // The column has no fixed dimension (missions may use different models): the index covers the
    // rows of one dimension, cast to it; vector-store.ts asks in the same terms so the planner can
    // use it. Vectors of other dimensions are searched exactly.
    sql: `
      CREATE INDEX chunks_embedding_hnsw_384 ON chunks
        USING hnsw ((embedding::vector(${indexedDimensions})) vector_cosine_ops)
        WHERE vector_dims(embedding) = ${indexedDimensions}
    `,
  },
  {
    version: 12,
    name: 'search without joins: searchable flags on postings and mentions, counters for BM25 and entities',
    sql: `${searchableChunksMigrationSql}; ${statisticsTables.map(missionIsolationSql).join('\n')}`,
  },
  {
    version: 13,
    name: 'lighter chunk rows: no unread full-text column, no index on the searchable flag, room for HOT updates',
    // Postings carry the searchable flag since migration 12, so nothing reads chunks by it: without
    // the index, flipping it is a heap-only (HOT) update where the page has room, and a chunk's
    // vector is not inserted into the HNSW graph a second time when its document is indexed.
    // `search_vector` has been unread since migration 10 (chunk_terms); computing it cost every
    // chunk insert a second text-search pass. The fill factor leaves each page room for that update.
    sql: `
      DROP INDEX IF EXISTS chunks_searchable;
      ALTER TABLE chunks DROP COLUMN IF EXISTS search_vector;
      ALTER TABLE chunks SET (fillfactor = ${chunkFillFactor})
    `,
  },
];
