import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { MissionflowError } from '../../domain/errors';
import { blobKeyFor, LocalBlobStore } from '../../stores/blobs';

let root: string;
let blobs: LocalBlobStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'mf-blobs-'));
  blobs = new LocalBlobStore(root);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every file under the store's root, relative to it. */
async function filesUnder(dir = root): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

/** A stream that yields `total` bytes in `pieceSize` pieces, each piece a distinct fill value. */
function streamOf(total: number, pieceSize = 64 * 1024): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(pieceSize, total - sent);
      this.push(Buffer.alloc(size, (sent / pieceSize) % 251));
      sent += size;
    },
  });
}

const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

it('putBytes stores bytes under their sha256 and reads them back', async () => {
  const bytes = Buffer.from('hello, content-addressed world');
  const stored = await blobs.putBytes(bytes);
  const sha256 = sha256Of(bytes);
  expect(stored).toEqual({ key: `sha256/${sha256.slice(0, 2)}/${sha256}`, sha256, sizeBytes: bytes.length });
  expect(stored.key).toBe(blobKeyFor(sha256));
  expect(await blobs.get(stored.key)).toEqual(bytes);
  expect(await blobs.exists(stored.key)).toBe(true);
  expect(await readFile(join(root, stored.key))).toEqual(bytes);
});

it('the same bytes land on the same key, stored once, by either path', async () => {
  const bytes = Buffer.alloc(200_000, 7);
  const first = await blobs.putBytes(bytes);
  const second = await blobs.putBytes(bytes);
  const streamed = await blobs.putStream(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), {
    maxBytes: 1_000_000,
  });
  expect(second).toEqual(first);
  expect(streamed).toEqual(first);
  expect(await filesUnder()).toEqual([first.key]);
});

it('different bytes get different keys', async () => {
  const a = await blobs.putBytes(Buffer.from('a'));
  const b = await blobs.putBytes(Buffer.from('b'));
  expect(a.key).not.toBe(b.key);
  expect(await filesUnder()).toEqual([a.key, b.key].sort());
});

it('putStream hashes and sizes a multi-piece stream', async () => {
  const total = 1_000_000;
  const parts: Buffer[] = [];
  for await (const piece of streamOf(total)) parts.push(piece as Buffer);
  const expected = Buffer.concat(parts);

  const stored = await blobs.putStream(streamOf(total), { maxBytes: total });
  expect(stored).toEqual({
    key: blobKeyFor(sha256Of(expected)),
    sha256: sha256Of(expected),
    sizeBytes: total,
  });
  expect((await blobs.get(stored.key)).equals(expected)).toBe(true);
  expect(await filesUnder()).toEqual([stored.key]);
});

it('putStream hands the head and the size to inspect before committing', async () => {
  const seen: Array<{ head: string; size: number }> = [];
  const stored = await blobs.putStream(
    Readable.from([Buffer.from('abc'), Buffer.from('defgh'), Buffer.from('ij')]),
    {
      maxBytes: 100,
      inspectBytes: 5,
      inspect: (head, size) => seen.push({ head: head.toString(), size }),
    },
  );
  expect(seen).toEqual([{ head: 'abcde', size: 10 }]);
  expect((await blobs.get(stored.key)).toString()).toBe('abcdefghij');
});

it('putStream over maxBytes rejects with too_large and leaves no file behind', async () => {
  const attempt = blobs.putStream(streamOf(5 * 1024 * 1024), { maxBytes: 1024 * 1024 });
  await expect(attempt).rejects.toBeInstanceOf(MissionflowError);
  await expect(attempt).rejects.toMatchObject({ code: 'too_large', status: 413 });
  expect(await filesUnder()).toEqual([]);
});

it('putStream over maxBytes in its first piece leaves no file behind either', async () => {
  const attempt = blobs.putStream(Readable.from([Buffer.alloc(10_000, 1)]), { maxBytes: 10 });
  await expect(attempt).rejects.toMatchObject({ code: 'too_large' });
  expect(await filesUnder()).toEqual([]);
});

it('a stream of exactly maxBytes is accepted', async () => {
  const stored = await blobs.putStream(streamOf(4096, 1000), { maxBytes: 4096 });
  expect(stored.sizeBytes).toBe(4096);
});

it('when inspect throws, its error comes back and nothing is stored', async () => {
  const refusal = new MissionflowError('unsupported_media_type', 'not today');
  const attempt = blobs.putStream(streamOf(300_000), {
    maxBytes: 1_000_000,
    inspectBytes: 16,
    inspect: () => {
      throw refusal;
    },
  });
  await expect(attempt).rejects.toBe(refusal);
  expect(await filesUnder()).toEqual([]);
});

it('a failing source stream rejects and leaves nothing', async () => {
  const source = new Readable({
    read() {
      this.push(Buffer.alloc(1000, 3));
      this.destroy(new Error('connection reset'));
    },
  });
  await expect(blobs.putStream(source, { maxBytes: 1_000_000 })).rejects.toThrow('connection reset');
  expect(await filesUnder()).toEqual([]);
});

it.each([
  'sha256/../../etc/passwd',
  '../outside',
  'sha256/ab/abc',
  `sha256/zz/${'a'.repeat(64)}`,
  `sha256/ab/${'A'.repeat(64)}`,
  '',
])('get refuses the invalid key %j', async (key) => {
  await expect(blobs.get(key)).rejects.toThrow(/invalid blob key/);
  await expect(blobs.exists(key)).resolves.toBe(false);
});

it('get of a valid key that was never stored fails, and exists says false', async () => {
  const key = blobKeyFor('0'.repeat(64));
  await expect(blobs.get(key)).rejects.toMatchObject({ code: 'ENOENT' });
  expect(await blobs.exists(key)).toBe(false);
});
