/**
 * Entry point of the parser child process (see sandbox.ts): the document's bytes on stdin, the media
 * type, the inflation limit and an optional page range (`first-last`) as arguments, one JSON answer
 * on stdout.
 */
import { MissionflowError } from '../../domain/errors';
import { parseBinary } from './binary';

async function main(): Promise<void> {
  const [mediaType = '', maxInflatedBytes = '0', pageRange = ''] = process.argv.slice(2);
  const [first, last] = pageRange.split('-').map(Number);
  const pages = first && last ? { first, last } : undefined;
  const parts: Buffer[] = [];
  for await (const part of process.stdin) parts.push(part as Buffer);
  try {
    const document = await parseBinary(
      Buffer.concat(parts),
      mediaType,
      { maxInflatedBytes: Number(maxInflatedBytes) },
      pages,
    );
    process.stdout.write(JSON.stringify({ document }));
  } catch (error) {
    const code = error instanceof MissionflowError ? error.code : 'internal';
    process.stdout.write(JSON.stringify({ error: { code, message: (error as Error).message } }));
  }
}

void main();
