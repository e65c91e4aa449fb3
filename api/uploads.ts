import busboy from 'busboy';
import type { Request } from 'express';
import type { Readable } from 'node:stream';
import { MissionflowError } from '../domain/errors';

export interface MultipartUpload<T> {
  stored: T;
  fields: Record<string, string>;
  filename: string | null;
  declaredType: string | null;
}

/**
 * Reads a multipart upload whose document is the field `file`, streaming it to `store` as it
 * arrives (never buffered whole). Other fields (title, metadata, mediaType) may come before or
 * after the file. An oversize file stops the stream at the limit.
 */
export function readMultipart<T>(
  req: Request,
  maxBytes: number,
  store: (file: Readable, hints: { filename: string | null; declaredType: string | null }) => Promise<T>,
): Promise<MultipartUpload<T>> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // One byte over the limit lets the store see that the file is too large.
      parser = busboy({
        headers: req.headers,
        limits: { files: 1, fileSize: maxBytes + 1, fields: 20, fieldSize: 64 * 1024 },
      });
    } catch (error) {
      reject(
        new MissionflowError('invalid_request', `not a readable multipart body: ${(error as Error).message}`),
      );
      return;
    }
    const fields: Record<string, string> = {};
    let upload: Promise<T> | null = null;
    let filename: string | null = null;
    let declaredType: string | null = null;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      reject(error);
    };

    parser.on('file', (name, file, info) => {
      parser.once('error', (error: Error) => file.destroy(error));
      if (name !== 'file' || upload) {
        file.resume();
        fail(
          new MissionflowError('invalid_request', 'send exactly one document, in the multipart field "file"'),
        );
        return;
      }
      filename = info.filename || null;
      declaredType = info.mimeType || null;
      upload = store(file, { filename, declaredType });
      upload.catch((error) => {
        file.resume();
        fail(error);
      });
    });
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('filesLimit', () => fail(new MissionflowError('invalid_request', 'send exactly one document')));
    parser.on('error', (error) =>
      fail(new MissionflowError('invalid_request', `multipart: ${(error as Error).message}`)),
    );
    parser.on('close', () => {
      if (failed) return;
      if (!upload) {
        fail(new MissionflowError('empty_document', 'no document in the multipart field "file"'));
        return;
      }
      upload.then((stored) => resolve({ stored, fields, filename, declaredType }), fail);
    });
    // A client that disconnects mid-upload must not leave the file stream (and its temp file) open.
    const abort = () => {
      const error = new MissionflowError('invalid_request', 'the upload was interrupted');
      parser.destroy(error);
      fail(error);
    };
    req.once('aborted', abort);
    req.once('error', abort);
    req.pipe(parser);
  });
}
