import { MissionflowError } from '../../domain/errors';
import { runChild, type ChildOutcome } from '../child-process';

/**
 * How OCR runs its helper programs (tesseract, pdfinfo, pdftoppm): on the shared watched runner,
 * within one time and cancellation budget per OCR call, with the runner's outcomes turned into the
 * errors a document fails with.
 */

/** The caller's signal and the call's deadline, shared by every program one OCR call runs. */
export class OcrBudget {
  private readonly deadline: number;

  constructor(
    readonly signal: AbortSignal | undefined,
    private readonly timeoutMs: number,
  ) {
    this.deadline = Date.now() + timeoutMs;
  }

  /** Throws when the caller aborted or the time is up: checked before each step of the work. */
  check(): void {
    if (this.signal?.aborted) throw abortError(this.signal);
    if (this.remainingMs() === 0) throw this.timeoutError();
  }

  remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  /** Named, so a caller can tell running out of time from being cancelled. */
  timeoutError(): Error {
    const error = new Error(`OCR did not finish within ${this.timeoutMs} ms`);
    error.name = 'OcrTimeoutError';
    return error;
  }
}

/** The reason an aborted signal carries (Temporal's cancellation gives its CancelledFailure). */
function abortError(signal: AbortSignal): Error {
  // Checked by shape, not instanceof: an AbortError (a DOMException) may come from another realm.
  const reason: unknown = signal.reason;
  if (typeof reason === 'object' && reason !== null && typeof (reason as Error).message === 'string') {
    return reason as Error;
  }
  return new Error('OCR was cancelled');
}

export interface ToolRun {
  command: string;
  args: string[];
  /** Written to the program's stdin. */
  input?: Buffer;
  env?: NodeJS.ProcessEnv;
  /** Stdout beyond this stops the program. Default 1 MiB. */
  maxOutputBytes?: number;
  memoryLimitMb?: number;
  /** Says what was running, in error messages. */
  what?: string;
  /** How to install the program, should it be missing after all. */
  missingHint?: string;
}

/** Runs one program within the budget and returns its stdout, or fails with the reason it stopped. */
export async function runTool(run: ToolRun, budget: OcrBudget): Promise<Buffer> {
  budget.check();
  const what = run.what ?? run.command;
  const maxOutputBytes = run.maxOutputBytes ?? 1024 * 1024;
  let outcome: ChildOutcome;
  try {
    outcome = await runChild({
      command: run.command,
      args: run.args,
      input: run.input,
      env: run.env,
      signal: budget.signal,
      timeoutMs: budget.remainingMs(),
      memoryLimitMb: run.memoryLimitMb,
      maxOutputBytes,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') {
      throw new MissionflowError(
        'ocr_unavailable',
        `${run.command} cannot be started (${code})${run.missingHint ? `: ${run.missingHint}` : ''}`,
      );
    }
    throw error;
  }

  // Aborted while the program ran counts as aborted even if it finished in the same moment: the
  // caller has given up on the work, and nothing more of it (progress, the next page) may follow.
  if (outcome.stopped === 'aborted' || budget.signal?.aborted) throw abortError(budget.signal as AbortSignal);
  if (outcome.stopped === 'timeout') throw budget.timeoutError();
  if (outcome.stopped === 'memory') {
    throw new MissionflowError(
      'decompression_limit',
      `${what} needed more than ${run.memoryLimitMb} MB of memory: the image is too large`,
    );
  }
  if (outcome.stopped === 'output') {
    throw new MissionflowError('parse_failed', `${what} printed more than ${maxOutputBytes} bytes`);
  }
  const detail = outcome.stderr.trim().split('\n').slice(-3).join(' / ');
  if (outcome.exitSignal) throw new Error(`${what} ended with ${outcome.exitSignal}: ${detail}`);
  // A non-zero exit from these programs means they could not read the file they were given.
  if (outcome.code !== 0) {
    throw new MissionflowError('parse_failed', `${what} failed (exit ${outcome.code}): ${detail}`);
  }
  return outcome.stdout;
}
