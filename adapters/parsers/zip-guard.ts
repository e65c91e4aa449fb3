import yauzl from 'yauzl';
import { MissionflowError } from '../../domain/errors';

export interface ZipLimits {
  /** Total bytes all entries may inflate to. */
  maxInflatedBytes: number;
  /** Entries allowed in one archive. */
  maxEntries: number;
}

/**
 * Proves an archive inflates within limits before any parser inflates it into memory: first the
 * sizes its central directory declares, then, because those can lie, the bytes actually produced
 * while streaming each entry (counted and discarded; inflation stops at the limit). Memory stays
 * bounded by the stream buffers, whatever the archive claims.
 */
export async function assertZipWithinLimits(bytes: Buffer, limits: ZipLimits): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true, validateEntrySizes: true }, (error, file) =>
      error || !file ? reject(asParseFailure(error)) : resolve(file),
    ),
  );
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw new MissionflowError('decompression_limit', `the archive has ${zip.entryCount} entries`);
  }
  let declared = 0;
  let inflated = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (error: Error) => reject(asParseFailure(error)));
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        declared += entry.uncompressedSize;
        if (declared > limits.maxInflatedBytes) {
          reject(
            new MissionflowError(
              'decompression_limit',
              `the archive declares more than ${limits.maxInflatedBytes} inflated bytes`,
            ),
          );
          return;
        }
        if (entry.fileName.endsWith('/')) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (error, stream) => {
          if (error || !stream) {
            reject(asParseFailure(error));
            return;
          }
          stream.on('data', (piece: Buffer) => {
            inflated += piece.length;
            if (inflated > limits.maxInflatedBytes) {
              stream.destroy();
              reject(
                new MissionflowError(
                  'decompression_limit',
                  `the archive inflates to more than ${limits.maxInflatedBytes} bytes`,
                ),
              );
            }
          });
          stream.on('error', (streamError: Error) => reject(asParseFailure(streamError)));
          stream.on('end', () => zip.readEntry());
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

function asParseFailure(error: unknown): MissionflowError {
  if (error instanceof MissionflowError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MissionflowError('parse_failed', `not a readable archive: ${message}`);
}
