import { createHash, randomUUID } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { MissionflowError } from '../../domain/errors';

export interface PutStreamOptions {
  maxBytes: number;
  /** Whose blob it is: the key then lives under the mission (see blobKeyFor). */
  missionId?: string;
  inspectBytes?: number;
  inspect?: (head: Buffer, sizeBytes: number) => void;
}

export interface StoredBlob {
  key: string;
  sha256: string;
  sizeBytes: number;
}

/** Bytes by content hash. Documents and derived artefacts travel between steps as keys (claim check). */
export interface BlobStore {
  /**
   * Streams bytes in. `inspect` sees the first `inspectBytes` bytes and the total size before the
   * blob is committed; if it throws, nothing is stored.
   */
  putStream(source: Readable, options: PutStreamOptions): Promise<StoredBlob>;
  putBytes(bytes: Uint8Array, missionId?: string): Promise<StoredBlob>;
  get(key: string): Promise<Buffer>;
  /** The first `bytes` bytes (all of a shorter blob), without reading the rest. */
  head(key: string, bytes: number): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  /**
   * Removes the blob; deleting a key that is not there is not an error, so a retried deletion
   * succeeds. Content addressing shares bytes between a mission's documents: the caller checks that
   * nothing else references the key first.
   */
  delete(key: string): Promise<void>;
  /** Resolves when the store can take blobs (for readiness); rejects saying why it cannot. */
  ping(): Promise<void>;
}

const keyPattern = /^(missions\/[a-z0-9_-]{1,48}\/)?sha256\/[0-9a-f]{2}\/[0-9a-f]{64}$/;

/**
 * `missions/<mission>/sha256/<2 hex>/<sha256>`: content-addressed within a mission, never across
 * missions, so one mission's deletion cannot take bytes another still needs, and identical uploads
 * do not reveal to one tenant what another holds. Keys without a mission (`sha256/...`) are from
 * before blobs were scoped, and stay readable.
 */
export function blobKeyFor(sha256: string, missionId?: string): string {
  const address = `sha256/${sha256.slice(0, 2)}/${sha256}`;
  return missionId === undefined ? address : `missions/${missionId}/${address}`;
}

export function isBlobKey(key: string): boolean {
  return keyPattern.test(key);
}

/** Keys become file paths and object names: anything but a content address could escape the store. */
export function assertBlobKey(key: string): void {
  if (!isBlobKey(key)) throw new Error(`invalid blob key: ${key}`);
}

/**
 * Copies `source` into a new file at `path` while hashing it, and runs `inspect` once the whole
 * stream is in. Throws the same `too_large` error for every store as soon as `maxBytes` is passed,
 * without reading the rest. The caller owns the file: it commits it, and removes it on any failure.
 */
export async function spoolStream(
  source: Readable,
  path: string,
  options: PutStreamOptions,
): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const headLimit = options.inspectBytes ?? 0;
  const headParts: Buffer[] = [];
  let headLength = 0;
  const out = createWriteStream(path, { flags: 'wx' });
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      source.unpipe(out);
      // The file may still be opening: settle only once the stream has closed, or the caller's
      // clean-up could run before the file exists and leave it behind.
      if (out.closed) reject(error);
      else out.once('close', () => reject(error));
      out.destroy();
    };
    source.on('data', (piece: Buffer) => {
      sizeBytes += piece.length;
      if (sizeBytes > options.maxBytes) {
        fail(new MissionflowError('too_large', `the document exceeds ${options.maxBytes} bytes`));
        return;
      }
      hash.update(piece);
      if (headLength < headLimit) {
        headParts.push(piece.subarray(0, headLimit - headLength));
        headLength += Math.min(piece.length, headLimit - headLength);
      }
    });
    source.on('error', fail);
    out.on('error', fail);
    out.on('finish', resolve);
    source.pipe(out);
  });
  options.inspect?.(Buffer.concat(headParts), sizeBytes);
  return { sha256: hash.digest('hex'), sizeBytes };
}

/**
 * Removes files of temporary uploads not written to for `idleMs` (every one when 0, for a process
 * that owns the folder alone); a missing folder holds none. A file still being written is younger.
 */
export async function removeTemporaryFiles(dir: string, idleMs = 0): Promise<number> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const cutoff = Date.now() - idleMs;
  const removed = await Promise.all(
    names.map(async (name) => {
      const path = join(dir, name);
      const modified = await stat(path).then(
        (info) => info.mtimeMs,
        () => null,
      );
      if (modified === null || (idleMs > 0 && modified > cutoff)) return false;
      await rm(path, { force: true });
      return true;
    }),
  );
  return removed.filter(Boolean).length;
}

/**
 * Content-addressed blobs in a local folder. A write goes to a temporary file, is fsynced, then
 * renamed into place, so a crash leaves either the whole blob or none (and the same bytes always
 * land on the same key).
 */
export class LocalBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  /**
   * Removes temporary files of uploads that never committed (a crash or a dropped connection), at
   * start-up. With `idleMs` 0 every one goes: only for a process that owns the folder alone. Processes
   * sharing the folder pass a time no live upload stays idle for.
   */
  async sweepTemporaryFiles(idleMs = 0): Promise<number> {
    return removeTemporaryFiles(join(this.root, 'tmp'), idleMs);
  }

  private pathOf(key: string): string {
    assertBlobKey(key);
    return join(this.root, key);
  }

  async putStream(source: Readable, options: PutStreamOptions): Promise<StoredBlob> {
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmpPath = join(tmpDir, randomUUID());
    try {
      const { sha256, sizeBytes } = await spoolStream(source, tmpPath, options);
      await syncFile(tmpPath);
      return { ...(await this.commit(tmpPath, sha256, options.missionId)), sizeBytes };
    } catch (error) {
      await rm(tmpPath, { force: true });
      throw error;
    }
  }

  async putBytes(bytes: Uint8Array, missionId?: string): Promise<StoredBlob> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const key = blobKeyFor(sha256, missionId);
    if (await this.exists(key)) return { key, sha256, sizeBytes: bytes.length };
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmpPath = join(tmpDir, randomUUID());
    const handle = await open(tmpPath, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { ...(await this.commit(tmpPath, sha256, missionId)), sizeBytes: bytes.length };
  }

  /** Moves a written and synced temporary file to its content address. */
  private async commit(
    tmpPath: string,
    sha256: string,
    missionId?: string,
  ): Promise<{ key: string; sha256: string }> {
    const key = blobKeyFor(sha256, missionId);
    const finalPath = this.pathOf(key);
    await mkdir(dirname(finalPath), { recursive: true });
    await rename(tmpPath, finalPath);
    return { key, sha256 };
  }

  async get(key: string): Promise<Buffer> {
    return readFile(this.pathOf(key));
  }

  async head(key: string, bytes: number): Promise<Buffer> {
    const file = await open(this.pathOf(key), 'r');
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await file.read(buffer, 0, bytes, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  async exists(key: string): Promise<boolean> {
    if (!isBlobKey(key)) return false;
    try {
      await stat(this.pathOf(key));
      return true;
    } catch (error) {
      // Only "not there" means false; a permission or I/O error must not pass for a missing blob.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /** The folder exists and this process may write to it: a missing or read-only volume fails. */
  async ping(): Promise<void> {
    try {
      await access(this.root, constants.W_OK);
    } catch (error) {
      throw new Error(`the blob folder is not writable: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** Flushes a file written through a stream to disk, so the rename that follows publishes whole bytes. */
async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
