import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { errorCatalog, MissionflowError, type ErrorCode } from '../../domain/errors';
import type { ParsedDocument } from '../../domain/parsed';
import { runNodeScript } from '../child-process';
import type { PageRange } from './pdf';

export interface SandboxOptions {
  /** Resident memory the parser process may use before it is stopped. */
  memoryLimitMb: number;
  /** Stops the parser when the activity is cancelled or the worker shuts down. */
  signal?: AbortSignal;
  /** Only these pages of a PDF (a section of a long document). */
  pages?: PageRange;
}

/**
 * The compiled child entry point. Running from TypeScript sources (the test suite), the build
 * output is used: a child process runs plain JavaScript.
 */
function childScript(): string {
  const candidates = [
    join(__dirname, 'parse-child.js'),
    join(__dirname, '..', '..', 'dist', 'adapters', 'parsers', 'parse-child.js'),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`parser child script not found (run npm run build): ${candidates.join(', ')}`);
  return found;
}

/**
 * Parses a compressed format in a separate process whose memory is watched: a small file that
 * inflates to gigabytes (a PDF content stream, a DOCX part) ends that process, not the platform,
 * and fails the document with `decompression_limit`. The V8 heap is capped too, but decoded
 * streams live outside it, so resident memory is what is checked.
 */
export async function parseInChildProcess(
  bytes: Buffer,
  mediaType: string,
  limits: { maxInflatedBytes: number },
  options: SandboxOptions,
): Promise<ParsedDocument> {
  const outcome = await runNodeScript(
    childScript(),
    [
      mediaType,
      String(limits.maxInflatedBytes),
      options.pages ? `${options.pages.first}-${options.pages.last}` : '',
    ],
    {
      input: bytes,
      signal: options.signal,
      memoryLimitMb: options.memoryLimitMb,
      heapLimitMb: options.memoryLimitMb,
    },
  );
  const { stdout, stderr, code, exitSignal, stopped } = outcome;
  if (stopped === 'aborted' || options.signal?.aborted) throw new Error('parsing was cancelled');
  if (stopped === 'memory' || /heap out of memory|Allocation failed/i.test(stderr)) {
    throw new MissionflowError(
      'decompression_limit',
      `parsing needed more than ${options.memoryLimitMb} MB of memory: the document inflates too far`,
    );
  }
  if (code !== 0)
    throw new Error(`the parser process ended with ${exitSignal ?? code}: ${stderr.trim().slice(-500)}`);
  const answer = JSON.parse(stdout.toString('utf8')) as {
    document?: ParsedDocument;
    error?: { code: string; message: string };
  };
  if (answer.document) return answer.document;
  const errorCode = answer.error?.code ?? 'internal';
  if (errorCode !== 'internal' && Object.prototype.hasOwnProperty.call(errorCatalog, errorCode)) {
    throw new MissionflowError(errorCode as ErrorCode, answer.error?.message);
  }
  throw new Error(`the parser failed: ${answer.error?.message ?? 'no answer'}`);
}
