import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCartridge, type Cartridge } from '../../domain/cartridge';
import { ingestWorkflowId } from '../../domain/documents';
import { blobKeyFor } from '../../stores/blobs/blob-store';
import { documentIdFor } from '../../stores/ids';
import type { NewDocument } from '../../stores/relational/documents';
import { migrate } from '../../stores/relational/migrate';
import { openPostgres } from '../../stores/relational/postgres';
import { openPglite, prepareEmbeddedDatabase } from '../../stores/relational/pglite';
import type { SqlClient } from '../../stores/relational/sql';
import { repoRoot, testEnv } from './env';
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

/** A document as admission would record it, identified by its content, in `missionId`. */
export function testDocument(
  missionId: string,
  content: string,
  fields: Partial<NewDocument> = {},
): NewDocument {
  const sha256 = createHash('sha256').update(content).digest('hex');
  const documentId = documentIdFor(missionId, sha256);
  return {
    missionId,
    documentId,
    sha256,
    sizeBytes: Buffer.byteLength(content),
    mediaType: 'text/plain',
    title: null,
    metadata: {},
    blobKey: blobKeyFor(sha256),
    cartridgeVersion: 1,
    workflowId: ingestWorkflowId(missionId, documentId),
    ...fields,
  };
}

/** The default mission's cartridge under another id, with `changes` to its top-level sections. */
export async function defaultCartridgeAs(
  missionId: string,
  changes: Partial<Cartridge> = {},
): Promise<Cartridge> {
  const base = parseCartridge(
    await readFile(join(repoRoot, 'missions', 'default', 'cartridge.yaml'), 'utf8'),
  );
  return { ...base, ...changes, mission: { ...base.mission, id: missionId, name: missionId } };
}
