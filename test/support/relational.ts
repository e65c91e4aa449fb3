import { migrate } from '../../stores/relational/migrate';
import { openPostgres } from '../../stores/relational/postgres';
import { openPglite, prepareEmbeddedDatabase } from '../../stores/relational/pglite';
import type { SqlClient } from '../../stores/relational/sql';
import { testEnv } from './env';
import { appRole, createScratchDatabase } from './services/postgres';

/** A fresh relational database as the platform uses it, on one of the two profiles. */
export interface Database {
  /** The connection the platform uses (row-level security applies on PostgreSQL). */
  app: SqlClient;
  /** The schema owner's connection, which runs migrations. */
  owner: SqlClient;
  migrate(): Promise<number[]>;
  close(): Promise<void>;
}

export interface Backend {
  name: string;
  hasPgvector: boolean;
  openFresh(): Promise<Database>;
}

/** PGlite (the embedded default) and a scratch database on the test PostgreSQL server. */
export const relationalBackends: Backend[] = [
  {
    name: 'PGlite',
    hasPgvector: true,
    async openFresh() {
      // One session: it migrates as the owner, then works as the application role (RLS applies).
      const db = await openPglite();
      return { app: db, owner: db, migrate: () => prepareEmbeddedDatabase(db), close: () => db.close() };
    },
  },
  {
    name: 'PostgreSQL',
    hasPgvector: false,
    async openFresh() {
      const { ownerUrl, appUrl } = await createScratchDatabase(testEnv.postgresAdminUrl);
      const owner = openPostgres({ connectionString: ownerUrl });
      const app = openPostgres({ connectionString: appUrl });
      return {
        app,
        owner,
        migrate: () => migrate(owner, { grantTo: appRole }),
        close: async () => {
          await app.close();
          await owner.close();
        },
      };
    },
  },
];
