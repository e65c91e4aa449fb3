import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type BucketLocationConstraint,
} from '@aws-sdk/client-s3';
import { pingTimeoutMs } from '../deadline';
import {
  assertBlobKey,
  blobKeyFor,
  isBlobKey,
  removeTemporaryFiles,
  spoolStream,
  type BlobStore,
  type PutStreamOptions,
  type StoredBlob,
} from './blob-store';

export interface S3BlobStoreOptions {
  /** For example `http://127.0.0.1:7070`; addressed path-style, as MinIO and versitygw expect. */
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /**
   * Local folder where a streamed upload is hashed before it goes up (its key is its hash, so it
   * cannot be named before the last byte). Defaults to a folder in the OS temp folder.
   */
  spoolDir?: string;
  /** Attempts per request, retries included (the SDK's default is 3). */
  maxAttempts?: number;
}

/**
 * Content-addressed blobs in an S3-compatible bucket, under the same keys as the local store. An
 * object appears only once its bytes are complete and hashed, so a refused or failed upload leaves
 * nothing in the bucket. Every SDK error propagates: activities turn them into retries.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly region: string;
  private readonly spoolDir: string;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.region = options.region;
    this.spoolDir = options.spoolDir ?? join(tmpdir(), 'missionflow-s3-spool');
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: true,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      maxAttempts: options.maxAttempts,
    });
  }

  /** Creates the bucket unless it exists; for start-up. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    try {
      await this.client.send(
        new CreateBucketCommand({
          Bucket: this.bucket,
          // us-east-1 is the default location and S3 refuses it when it is named explicitly.
          CreateBucketConfiguration:
            this.region === 'us-east-1'
              ? undefined
              : { LocationConstraint: this.region as BucketLocationConstraint },
        }),
      );
    } catch (error) {
      // Another process starting at the same time may have created it first.
      if ((error as Error).name !== 'BucketAlreadyOwnedByYou') throw error;
    }
  }

  /**
   * Removes spooled uploads that never finished (a crash or a dropped connection). Only for
   * start-up, when no upload through this spool folder is in flight.
   */
  async sweepTemporaryFiles(): Promise<number> {
    return removeTemporaryFiles(this.spoolDir);
  }

  async putStream(source: Readable, options: PutStreamOptions): Promise<StoredBlob> {
    await mkdir(this.spoolDir, { recursive: true });
    const spoolPath = join(this.spoolDir, randomUUID());
    try {
      const { sha256, sizeBytes } = await spoolStream(source, spoolPath, options);
      const key = blobKeyFor(sha256, options.missionId);
      if (!(await this.exists(key))) {
        const body = createReadStream(spoolPath);
        try {
          await this.upload(key, sha256, body, sizeBytes);
        } finally {
          // A failed request may leave the file half read; close it rather than leak the descriptor.
          body.destroy();
        }
      }
      return { key, sha256, sizeBytes };
    } finally {
      await rm(spoolPath, { force: true });
    }
  }

  async putBytes(bytes: Uint8Array, missionId?: string): Promise<StoredBlob> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const key = blobKeyFor(sha256, missionId);
    if (!(await this.exists(key))) await this.upload(key, sha256, bytes, bytes.length);
    return { key, sha256, sizeBytes: bytes.length };
  }

  /**
   * One PUT (up to S3's 5 GiB limit for a single request). The sha256 we computed travels as the
   * object's checksum, so the server refuses the object if a single byte changed on the way.
   * Identical concurrent uploads are harmless: both write the same bytes under the same key.
   */
  private async upload(key: string, sha256: string, body: Readable | Uint8Array, sizeBytes: number) {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentLength: sizeBytes,
        ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
      }),
    );
  }

  async get(key: string): Promise<Buffer> {
    assertBlobKey(key);
    const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!result.Body) throw new Error(`the object store returned no body for ${key}`);
    return Buffer.from(await result.Body.transformToByteArray());
  }

  async head(key: string, bytes: number): Promise<Buffer> {
    assertBlobKey(key);
    if (bytes <= 0) return Buffer.alloc(0);
    try {
      const result = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=0-${bytes - 1}` }),
      );
      if (!result.Body) throw new Error(`the object store returned no body for ${key}`);
      // A server that ignores Range sends the whole object: keep the head only.
      return Buffer.from(await result.Body.transformToByteArray()).subarray(0, bytes);
    } catch (error) {
      // An empty object has no byte 0 to start a range at.
      if ((error as { name?: string }).name === 'InvalidRange') return Buffer.alloc(0);
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    if (!isBlobKey(key)) return false;
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      // Only a 404 means "not there": a denied or failed request must not pass for a missing blob.
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    // S3 answers 204 for a key that is not there, so a repeated deletion succeeds.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /**
   * HEAD of the bucket: the server answers, takes the credentials, and the bucket is there. Bounded
   * here, retries included, because the SDK sets no deadline of its own on a request.
   */
  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), {
        abortSignal: AbortSignal.timeout(pingTimeoutMs),
      });
    } catch (error) {
      throw new Error(`S3 bucket ${this.bucket}: ${describePingFailure(error)}`, { cause: error });
    }
  }

  /** Closes the client's pooled connections, so a process that is done can exit. */
  destroy(): void {
    this.client.destroy();
  }
}

/** HEAD answers carry no error body: the status is all the server says, so it is put in words here. */
function describePingFailure(error: unknown): string {
  const { name, message, $metadata } = error as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  if (name === 'AbortError' || name === 'TimeoutError') return `no answer within ${pingTimeoutMs} ms`;
  const status = $metadata?.httpStatusCode;
  if (status === 404) return 'no such bucket (HTTP 404)';
  if (status === 403) return 'access denied (HTTP 403): check the credentials';
  if (status !== undefined) return `HTTP ${status} (${name ?? 'error'})`;
  return message ?? String(error);
}

/** HEAD answers carry no error body, so a missing object or bucket shows only as status 404. */
function isNotFound(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 404;
}
