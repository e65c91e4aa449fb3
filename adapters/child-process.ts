import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/**
 * Runs a helper program (the parser sandbox's Node child, tesseract, poppler's programs) as a
 * watched child process, so a hostile document can only exhaust that child: no shell, killed when
 * the caller aborts, past a time limit, past an output bound, or when its resident memory passes a
 * limit. Memory is read from /proc because what these programs decode (a PDF stream, an image)
 * lives outside any heap limit a runtime could enforce.
 *
 * The runner reports what happened; each caller turns that into its own errors, since a parser
 * child and an OCR program fail documents with different codes and wording.
 */

export interface ChildRun {
  /** The program, an absolute path or a name looked up on PATH. */
  command: string;
  args: readonly string[];
  /** Written to stdin, which is then closed; without it the child gets no stdin at all. */
  input?: Buffer;
  env?: NodeJS.ProcessEnv;
  /** Stops the child; the outcome says `aborted`. An already aborted signal starts nothing. */
  signal?: AbortSignal;
  /** Stops the child after this long; the outcome says `timeout`. */
  timeoutMs?: number;
  /** Resident memory, in MB, past which the child is stopped; the outcome says `memory`. */
  memoryLimitMb?: number;
  /** Stdout beyond this many bytes stops the child; the outcome says `output`. Default: no bound. */
  maxOutputBytes?: number;
}

/** Why the runner killed a child itself (the first reason that applied). */
export type StopReason = 'aborted' | 'timeout' | 'memory' | 'output';

export interface ChildOutcome {
  /** Stdout, up to the output bound. */
  stdout: Buffer;
  /** The last {@link stderrTailCharacters} characters of stderr, for error messages. */
  stderr: string;
  /** Exit code, or null when a signal ended the child. */
  code: number | null;
  exitSignal: NodeJS.Signals | null;
  stopped: StopReason | null;
}

/** Enough of stderr to explain a failure, without holding a chatty program's whole log. */
export const stderrTailCharacters = 4000;

/** How often resident memory is read: often enough to stop a runaway decoder within a few hundred MB. */
const memoryCheckMs = 50;

/**
 * Runs `command` to its end and reports how it ended. Rejects only when the program cannot be
 * started at all (the spawn error, e.g. `ENOENT`, is passed on for the caller to explain).
 */
export async function runChild(run: ChildRun): Promise<ChildOutcome> {
  if (run.signal?.aborted) {
    return { stdout: Buffer.alloc(0), stderr: '', code: null, exitSignal: null, stopped: 'aborted' };
  }
  const child = spawn(run.command, run.args, {
    stdio: [run.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    env: run.env ?? process.env,
  });
  let stopped: StopReason | null = null;
  const stop = (why: StopReason) => {
    stopped ??= why;
    child.kill('SIGKILL');
  };
  const onAbort = () => stop('aborted');
  run.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = run.timeoutMs === undefined ? null : setTimeout(() => stop('timeout'), run.timeoutMs);
  const limit = run.memoryLimitMb;
  const watchdog =
    limit === undefined
      ? null
      : setInterval(() => {
          if (child.pid === undefined) return;
          void residentMegabytes(child.pid).then((megabytes) => {
            if (megabytes !== null && megabytes > limit) stop('memory');
          });
        }, memoryCheckMs);

  const stdout: Buffer[] = [];
  let outputBytes = 0;
  let stderr = '';
  child.stdout?.on('data', (part: Buffer) => {
    outputBytes += part.length;
    if (run.maxOutputBytes !== undefined && outputBytes > run.maxOutputBytes) stop('output');
    else stdout.push(part);
  });
  child.stderr?.on('data', (part: Buffer) => {
    stderr = (stderr + part.toString()).slice(-stderrTailCharacters);
  });
  if (child.stdin) {
    child.stdin.on('error', () => undefined); // the child may exit before reading everything
    child.stdin.end(run.input);
  }

  try {
    const [code, exitSignal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.once('error', reject);
        child.once('close', (exitCode, signal) => resolve([exitCode, signal]));
      },
    );
    return { stdout: Buffer.concat(stdout), stderr, code, exitSignal, stopped };
  } finally {
    run.signal?.removeEventListener('abort', onAbort);
    if (timer) clearTimeout(timer);
    if (watchdog) clearInterval(watchdog);
  }
}

/**
 * Runs a JavaScript file in a child Node process (the runtime this process runs on). `heapLimitMb`
 * caps the V8 heap as well, so a script that fills its heap fails fast with "heap out of memory"
 * instead of growing until the memory watchdog notices.
 */
export async function runNodeScript(
  script: string,
  args: readonly string[],
  run: Omit<ChildRun, 'command' | 'args'> & { heapLimitMb?: number },
): Promise<ChildOutcome> {
  const { heapLimitMb, ...rest } = run;
  const heap = heapLimitMb === undefined ? [] : [`--max-old-space-size=${heapLimitMb}`];
  return runChild({ ...rest, command: process.execPath, args: [...heap, script, ...args] });
}

/** A process's resident memory in MB, from /proc; null once it has gone. */
async function residentMegabytes(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kilobytes = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kilobytes ? Number(kilobytes) / 1024 : null;
  } catch {
    return null;
  }
}
