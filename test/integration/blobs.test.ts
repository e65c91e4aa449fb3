import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobKeyFor, LocalBlobStore } from '../../stores/blobs/blob-store';

// What every blob store must do is in blob-store.contract.test.ts; this file keeps what only the
// local folder has: its layout on disk and its temporary files.

let root: string;
let blobs: LocalBlobStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mf-blobs-'));
  blobs = new LocalBlobStore(root);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

it('a blob is a plain file at its key under the root', async () => {
  const bytes = Buffer.from('hello, content-addressed world');
  const stored = await blobs.putBytes(bytes);
  const sha256 = sha256Of(bytes);
  expect(await readFile(join(root, 'sha256', sha256.slice(0, 2), sha256))).toEqual(bytes);
  expect(stored.key).toBe(blobKeyFor(sha256));
});

it('ping answers while the folder is there, and rejects once it is gone', async () => {
  await expect(blobs.ping()).resolves.toBeUndefined();
  await rm(root, { recursive: true, force: true });
  await expect(blobs.ping()).rejects.toThrow(/^the blob folder is not writable: ENOENT/);
});

it('sweepTemporaryFiles removes uncommitted uploads and keeps committed blobs', async () => {
  const kept = await blobs.putBytes(Buffer.from('committed'));
  await mkdir(join(root, 'tmp'), { recursive: true });
  await writeFile(join(root, 'tmp', 'left-by-a-crash-1'), 'partial');
  await writeFile(join(root, 'tmp', 'left-by-a-crash-2'), 'partial');
  expect(await blobs.sweepTemporaryFiles()).toBe(2);
  expect(await readdir(join(root, 'tmp'))).toEqual([]);
  expect((await blobs.get(kept.key)).toString()).toBe('committed');
});

it('sweepTemporaryFiles on a store that never wrote finds nothing', async () => {
  expect(await blobs.sweepTemporaryFiles()).toBe(0);
});

it('get of a valid key that was never stored fails with ENOENT', async () => {
  await expect(blobs.get(blobKeyFor('0'.repeat(64)))).rejects.toMatchObject({ code: 'ENOENT' });
});
