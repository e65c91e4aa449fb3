import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { MissionflowError } from '../../domain/errors';
import { blobKeyFor, LocalBlobStore, type BlobStore } from '../../stores/blobs/blob-store';
import { S3BlobStore } from '../../stores/blobs/s3-blobs';
import { freePort } from '../support/services/service';

/**
 * The one contract every blob store passes. `stored()` lists everything the store holds, committed
 * blobs and temporary files alike, so "nothing stored" is checked where the bytes would be.
 */
interface Subject {
  store: BlobStore;
  stored(): Promise<string[]>;
}

interface Implementation {
  name: string;
  /** Once per file. */
  setUp(): Promise<void>;
  /** Before each test: an empty store. */
  fresh(): Promise<Subject>;
  tearDown(): Promise<void>;
}

/** Every file under `dir`, relative to `base`. */
async function filesUnder(dir: string, base = dir): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(base, join(entry.parentPath, entry.name)));
}

function localImplementation(): Implementation {
  let root: string | undefined;
  return {
    name: 'LocalBlobStore',
    async setUp() {},
    async fresh() {
      if (root) await rm(root, { recursive: true, force: true });
      const dir = await mkdtemp(join(tmpdir(), 'mf-blob-contract-'));
      root = dir;
      return { store: new LocalBlobStore(dir), stored: async () => (await filesUnder(dir)).sort() };
    },
    async tearDown() {
      if (root) await rm(root, { recursive: true, force: true });
    },
  };
}

function s3Settings() {
  const endpoint = process.env.MF_TEST_S3_ENDPOINT;
  if (!endpoint) {
    throw new Error(
      'MF_TEST_S3_ENDPOINT is not set: the global test set-up starts versitygw ' +
        '(test/support/services/s3.ts) and exports MF_TEST_S3_*; without it the S3 harness is broken',
    );
  }
  const required = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set although MF_TEST_S3_ENDPOINT is`);
    return value;
  };
  return {
    endpoint,
    accessKeyId: required('MF_TEST_S3_ACCESS_KEY_ID'),
    secretAccessKey: required('MF_TEST_S3_SECRET_ACCESS_KEY'),
    region: required('MF_TEST_S3_REGION'),
  };
}

/** A fresh bucket for this file; between tests it is emptied, and the spool folder replaced. */
function s3Implementation(): Implementation {
  const bucket = `mf-contract-${randomUUID().slice(0, 8)}`;
  let client: S3Client | undefined;
  let spoolDir: string | undefined;
  const stores: S3BlobStore[] = [];
  const keys = async () => {
    const listed = await client!.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (listed.Contents ?? []).map((object) => object.Key!);
  };
  return {
    name: 'S3BlobStore',
    async setUp() {
      const settings = s3Settings();
      client = new S3Client({ ...settings, forcePathStyle: true, credentials: settings });
      const store = new S3BlobStore({ ...settings, bucket });
      stores.push(store);
      await store.ensureBucket();
      // A second call finds the bucket and leaves it alone.
      await store.ensureBucket();
    },
    async fresh() {
      if (!client) throw new Error('the S3 set-up failed; see the first error');
      await Promise.all(
        (await keys()).map((Key) => client!.send(new DeleteObjectCommand({ Bucket: bucket, Key }))),
      );
      if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
      const spool = await mkdtemp(join(tmpdir(), 'mf-s3-spool-'));
      spoolDir = spool;
      const store = new S3BlobStore({ ...s3Settings(), bucket, spoolDir: spool });
      stores.push(store);
      const stored = async () =>
        [...(await keys()), ...(await filesUnder(spool)).map((name) => `spool/${name}`)].sort();
      return { store, stored };
    },
    async tearDown() {
      for (const store of stores) store.destroy();
      if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
      if (!client) return;
      await Promise.all(
        (await keys()).map((Key) => client!.send(new DeleteObjectCommand({ Bucket: bucket, Key }))),
      );
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
    },
  };
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

async function bytesOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of stream) parts.push(piece as Buffer);
  return Buffer.concat(parts);
}

const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe.each([localImplementation(), s3Implementation()])('BlobStore contract: $name', (implementation) => {
  let blobs: BlobStore;
  let stored: () => Promise<string[]>;

  beforeAll(() => implementation.setUp());
  beforeEach(async () => {
    ({ store: blobs, stored } = await implementation.fresh());
  });
  afterAll(() => implementation.tearDown());

  it('ping answers', async () => {
    await expect(blobs.ping()).resolves.toBeUndefined();
  });

  it('putBytes stores bytes under their sha256 and reads them back', async () => {
    const bytes = Buffer.from('hello, content-addressed world');
    const sha256 = sha256Of(bytes);
    const blob = await blobs.putBytes(bytes);
    expect(blob).toEqual({ key: `sha256/${sha256.slice(0, 2)}/${sha256}`, sha256, sizeBytes: bytes.length });
    expect(blob.key).toBe(blobKeyFor(sha256));
    expect(await blobs.get(blob.key)).toEqual(bytes);
    expect(await blobs.exists(blob.key)).toBe(true);
    expect(await stored()).toEqual([blob.key]);
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
    expect(await stored()).toEqual([first.key]);
  });

  it('head reads the first bytes only, and all of a shorter blob', async () => {
    const bytes = Buffer.from('0123456789abcdef');
    const blob = await blobs.putBytes(bytes);
    expect((await blobs.head(blob.key, 4)).toString()).toBe('0123');
    expect((await blobs.head(blob.key, 100)).toString()).toBe('0123456789abcdef');
    const empty = await blobs.putBytes(Buffer.alloc(0));
    expect(await blobs.head(empty.key, 4)).toEqual(Buffer.alloc(0));
    await expect(blobs.head(blobKeyFor('f'.repeat(64)), 4)).rejects.toThrow();
  });

  it('different bytes get different keys', async () => {
    const a = await blobs.putBytes(Buffer.from('a'));
    const b = await blobs.putBytes(Buffer.from('b'));
    expect(a.key).not.toBe(b.key);
    expect(await stored()).toEqual([a.key, b.key].sort());
    expect((await blobs.get(a.key)).toString()).toBe('a');
    expect((await blobs.get(b.key)).toString()).toBe('b');
  });

  it('concurrent puts of the same bytes all succeed and store one blob', async () => {
    const bytes = Buffer.alloc(300_000, 9);
    const results = await Promise.all([
      ...[1, 2, 3].map(() => blobs.putStream(Readable.from([bytes]), { maxBytes: bytes.length })),
      ...[1, 2].map(() => blobs.putBytes(bytes)),
    ]);
    for (const result of results) expect(result).toEqual(results[0]);
    expect(await stored()).toEqual([results[0]!.key]);
    expect((await blobs.get(results[0]!.key)).equals(bytes)).toBe(true);
  });

  it('putStream hashes, sizes and stores a multi-megabyte stream', async () => {
    const total = 12 * 1024 * 1024 + 123;
    const expected = await bytesOf(streamOf(total));
    const blob = await blobs.putStream(streamOf(total), { maxBytes: total });
    expect(blob).toEqual({
      key: blobKeyFor(sha256Of(expected)),
      sha256: sha256Of(expected),
      sizeBytes: total,
    });
    const back = await blobs.get(blob.key);
    expect(back.length).toBe(total);
    expect(sha256Of(back)).toBe(blob.sha256);
    expect(await stored()).toEqual([blob.key]);
  });

  // That inspect runs before the commit is proved by the refusal test below: a refused blob is absent.
  it('putStream hands the head and the total size to inspect', async () => {
    const seen: Array<{ head: string; size: number }> = [];
    const blob = await blobs.putStream(
      Readable.from([Buffer.from('abc'), Buffer.from('defgh'), Buffer.from('ij')]),
      {
        maxBytes: 100,
        inspectBytes: 5,
        inspect: (head, size) => seen.push({ head: head.toString(), size }),
      },
    );
    expect(seen).toEqual([{ head: 'abcde', size: 10 }]);
    expect((await blobs.get(blob.key)).toString()).toBe('abcdefghij');
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
    expect(await stored()).toEqual([]);
    expect(await blobs.exists(blobKeyFor(sha256Of(await bytesOf(streamOf(300_000)))))).toBe(false);
  });

  it('putStream over maxBytes rejects with too_large and stores nothing', async () => {
    const attempt = blobs.putStream(streamOf(5 * 1024 * 1024), { maxBytes: 1024 * 1024 });
    await expect(attempt).rejects.toBeInstanceOf(MissionflowError);
    await expect(attempt).rejects.toMatchObject({ code: 'too_large', status: 413 });
    expect(await stored()).toEqual([]);
  });

  it('putStream over maxBytes in its first piece stores nothing either', async () => {
    const attempt = blobs.putStream(Readable.from([Buffer.alloc(10_000, 1)]), { maxBytes: 10 });
    await expect(attempt).rejects.toMatchObject({ code: 'too_large' });
    expect(await stored()).toEqual([]);
  });

  it('a stream of exactly maxBytes is accepted', async () => {
    const blob = await blobs.putStream(streamOf(4096, 1000), { maxBytes: 4096 });
    expect(blob.sizeBytes).toBe(4096);
    expect(await stored()).toEqual([blob.key]);
  });

  it('a failing source stream rejects and stores nothing', async () => {
    const source = new Readable({
      read() {
        this.push(Buffer.alloc(1000, 3));
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(blobs.putStream(source, { maxBytes: 1_000_000 })).rejects.toThrow('connection reset');
    expect(await stored()).toEqual([]);
  });

  it('exists is false before a put and after a delete, true in between', async () => {
    const bytes = Buffer.from('short-lived');
    const key = blobKeyFor(sha256Of(bytes));
    expect(await blobs.exists(key)).toBe(false);
    await blobs.putBytes(bytes);
    expect(await blobs.exists(key)).toBe(true);
    await blobs.delete(key);
    expect(await blobs.exists(key)).toBe(false);
    await expect(blobs.get(key)).rejects.toThrow();
    expect(await stored()).toEqual([]);
  });

  it('delete removes only its own key, and deleting a missing key succeeds', async () => {
    const kept = await blobs.putBytes(Buffer.from('kept'));
    const gone = await blobs.putBytes(Buffer.from('gone'));
    await blobs.delete(gone.key);
    await blobs.delete(gone.key);
    await blobs.delete(blobKeyFor('f'.repeat(64)));
    expect(await stored()).toEqual([kept.key]);
    expect((await blobs.get(kept.key)).toString()).toBe('kept');
  });

  it('the same bytes can be stored again after a delete', async () => {
    const first = await blobs.putBytes(Buffer.from('again'));
    await blobs.delete(first.key);
    const second = await blobs.putStream(Readable.from([Buffer.from('again')]), { maxBytes: 100 });
    expect(second).toEqual(first);
    expect((await blobs.get(second.key)).toString()).toBe('again');
  });

  it('get of a valid key that was never stored throws, and exists says false', async () => {
    const key = blobKeyFor('0'.repeat(64));
    await expect(blobs.get(key)).rejects.toThrow();
    expect(await blobs.exists(key)).toBe(false);
  });

  it.each([
    'sha256/../../etc/passwd',
    '../outside',
    'sha256/ab/abc',
    `sha256/zz/${'a'.repeat(64)}`,
    `sha256/ab/${'A'.repeat(64)}`,
    '',
  ])('refuses the invalid key %j', async (key) => {
    await expect(blobs.get(key)).rejects.toThrow(/invalid blob key/);
    await expect(blobs.delete(key)).rejects.toThrow(/invalid blob key/);
    await expect(blobs.exists(key)).resolves.toBe(false);
  });
});

describe('S3BlobStore only', () => {
  const bucket = `mf-s3-only-${randomUUID().slice(0, 8)}`;
  const stores: S3BlobStore[] = [];
  let spoolDir: string;
  const storeWith = (overrides: Partial<ConstructorParameters<typeof S3BlobStore>[0]> = {}) => {
    const store = new S3BlobStore({ ...s3Settings(), bucket, spoolDir, ...overrides });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), 'mf-s3-spool-'));
    await storeWith().ensureBucket();
  });
  afterAll(async () => {
    await rm(spoolDir, { recursive: true, force: true });
    const settings = s3Settings();
    const client = new S3Client({ ...settings, forcePathStyle: true, credentials: settings });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    for (const object of listed.Contents ?? [])
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key! }));
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    client.destroy();
    for (const store of stores) store.destroy();
  });

  it('uploads bytes that are already stored only once', async () => {
    const store = storeWith();
    const puts: string[] = [];
    const send = S3Client.prototype.send;
    const spy = jest.spyOn(S3Client.prototype, 'send').mockImplementation(function (this: S3Client, ...args) {
      if (args[0] instanceof PutObjectCommand) puts.push(args[0].input.Key!);
      return (send as (...a: unknown[]) => Promise<unknown>).apply(this, args) as never;
    });
    try {
      const bytes = Buffer.from(`uploaded once ${randomUUID()}`);
      const first = await store.putBytes(bytes);
      await store.putBytes(bytes);
      await store.putStream(Readable.from([bytes]), { maxBytes: 1000 });
      expect(puts).toEqual([first.key]);
    } finally {
      spy.mockRestore();
    }
  });

  it('exists throws, rather than answering false, when the server refuses the credentials', async () => {
    const store = storeWith({ secretAccessKey: 'not-the-secret', maxAttempts: 1 });
    await expect(store.exists(blobKeyFor('0'.repeat(64)))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('a server that does not answer surfaces as an ordinary error', async () => {
    const store = storeWith({ endpoint: `http://127.0.0.1:${await freePort()}`, maxAttempts: 1 });
    const key = blobKeyFor('0'.repeat(64));
    await expect(store.exists(key)).rejects.toBeInstanceOf(Error);
    await expect(store.get(key)).rejects.toBeInstanceOf(Error);
    await expect(store.putBytes(Buffer.from('x'))).rejects.toBeInstanceOf(Error);
  });

  it('ping rejects, saying why, when the endpoint does not answer', async () => {
    // The SDK's default retries included: that is how the platform's client is set up.
    const store = storeWith({ endpoint: `http://127.0.0.1:${await freePort()}` });
    await expect(store.ping()).rejects.toThrow(new RegExp(`^S3 bucket ${bucket}: .*ECONNREFUSED`));
  });

  it('ping says so when the bucket is missing or the credentials are refused', async () => {
    const missing = `mf-missing-${randomUUID().slice(0, 8)}`;
    await expect(storeWith({ bucket: missing, maxAttempts: 1 }).ping()).rejects.toThrow(
      `S3 bucket ${missing}: no such bucket (HTTP 404)`,
    );
    await expect(storeWith({ secretAccessKey: 'not-the-secret', maxAttempts: 1 }).ping()).rejects.toThrow(
      /access denied \(HTTP 403\)/,
    );
  });

  it('a bucket that does not exist is an error, not an empty store', async () => {
    const store = storeWith({ bucket: `mf-missing-${randomUUID().slice(0, 8)}`, maxAttempts: 1 });
    await expect(store.putBytes(Buffer.from('nowhere'))).rejects.toThrow();
  });
});
