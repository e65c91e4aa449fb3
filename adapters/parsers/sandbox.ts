import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCatalog, MissionflowError, type ErrorCode } from '../../domain/errors';
import type { ParsedDocument } from '../../domain/parsed';
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

/** A process's resident memory, from /proc (null once it has gone): how parser children are watched. */
export async function residentMegabytes(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kilobytes = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kilobytes ? Number(kilobytes) / 1024 : null;
  } catch {
    return null;
  }
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
  const child = spawn(
    process.execPath,
    [
      `--max-old-space-size=${options.memoryLimitMb}`,
      childScript(),
      mediaType,
      String(limits.maxInflatedBytes),
      options.pages ? `${options.pages.first}-${options.pages.last}` : '',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let overLimit = false;
  let cancelled = false;
  const watchdog = setInterval(() => {
    if (child.pid === undefined) return;
    void residentMegabytes(child.pid).then((megabytes) => {
      if (megabytes !== null && megabytes > options.memoryLimitMb) {
        overLimit = true;
        child.kill('SIGKILL');
      }
    });
  }, 100);
  const onAbort = () => {
    cancelled = true;
    child.kill('SIGKILL');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (part: Buffer) => stdout.push(part));
  child.stderr.on('data', (part: Buffer) => (stderr = (stderr + part.toString()).slice(-4000)));
  child.stdin.on('error', () => undefined); // the child may die before reading everything
  child.stdin.end(bytes);

  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
  }).finally(() => {
    clearInterval(watchdog);
    options.signal?.removeEventListener('abort', onAbort);
  });

  if (cancelled) throw new Error('parsing was cancelled');
  if (overLimit || /heap out of memory|Allocation failed/i.test(stderr)) {
    throw new MissionflowError(
      'decompression_limit',
      `parsing needed more than ${options.memoryLimitMb} MB of memory: the document inflates too far`,
    );
  }
  if (code !== 0)
    throw new Error(`the parser process ended with ${signal ?? code}: ${stderr.trim().slice(-500)}`);
  const answer = JSON.parse(Buffer.concat(stdout).toString('utf8')) as {
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
