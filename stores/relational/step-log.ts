import type { IngestStep } from '../../domain/pipeline';
import { iso, MissionScopedStore } from './document-rows';
import { recordDocumentEvent } from './events';
import type { SqlExecutor } from './sql';

export interface StepRecord {
  step: string;
  status: 'running' | 'done' | 'failed';
  executions: number;
  durationMs: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  lastError: string | null;
}

/** The step log: what each step of a run produced, so a resumed run never redoes a finished step. */
export class StepLog extends MissionScopedStore {
  /**
   * A step about to run: its recorded result if it finished before (nothing is written then), else
   * it is recorded as running, with its event, in one transaction.
   */
  async beginStep<T = unknown>(
    missionId: string,
    documentId: string,
    step: IngestStep,
  ): Promise<{ finished: true; result: T } | { finished: false }> {
    return this.sql.inMission(missionId, async (tx) => {
      // The usual case, a step not yet run, in one statement: a step that finished (with a
      // result) is left as it is, and no row comes back.
      const { rows: begun } = await tx.query(
        `INSERT INTO document_steps (mission_id, document_id, step, status, executions, started_at)
         VALUES ($1, $2, $3, 'running', 1, now())
         ON CONFLICT (mission_id, document_id, step) DO UPDATE
           SET status = 'running', executions = document_steps.executions + 1,
               started_at = COALESCE(document_steps.started_at, now())
           WHERE document_steps.status <> 'done' OR document_steps.result IS NULL
         RETURNING 1`,
        [missionId, documentId, step],
      );
      if (begun.length === 0) {
        return { finished: true, result: (await recordedResult<T>(tx, missionId, documentId, step)) as T };
      }
      await recordDocumentEvent(tx, {
        missionId,
        documentId,
        kind: 'step',
        step,
        detail: { state: 'running' },
      });
      return { finished: false };
    });
  }

  /**
   * A step the run has no need of (the clean-up after a first version): recorded as done without
   * ever executing (`executions` 0), so the log still says what became of it. A step already
   * recorded is left as it is.
   */
  async recordSkipped(
    missionId: string,
    documentId: string,
    step: IngestStep,
    result: unknown,
  ): Promise<void> {
    await this.changedStep(
      missionId,
      documentId,
      step,
      { state: 'done', skipped: true },
      `INSERT INTO document_steps (mission_id, document_id, step, status, executions, result, started_at,
                                   finished_at, duration_ms)
       VALUES ($1, $2, $3, 'done', 0, $4::jsonb, now(), now(), 0)
       ON CONFLICT (mission_id, document_id, step) DO NOTHING`,
      [missionId, documentId, step, JSON.stringify(result)],
    );
  }

  /** A write to the step log and the step's event, in one transaction. */
  private async changedStep(
    missionId: string,
    documentId: string,
    step: IngestStep,
    detail: Record<string, unknown>,
    text: string,
    params: unknown[],
  ): Promise<void> {
    await this.sql.inMission(missionId, async (tx) => {
      await tx.query(text, params);
      await recordDocumentEvent(tx, { missionId, documentId, kind: 'step', step, detail });
    });
  }

  async completeStep(
    missionId: string,
    documentId: string,
    step: IngestStep,
    result: unknown,
  ): Promise<void> {
    await this.changedStep(
      missionId,
      documentId,
      step,
      { state: 'done' },
      `UPDATE document_steps SET status = 'done', result = $4::jsonb, last_error = NULL, finished_at = now(),
         duration_ms = GREATEST(0, (EXTRACT(EPOCH FROM (now() - started_at)) * 1000)::int)
       WHERE mission_id = $1 AND document_id = $2 AND step = $3`,
      [missionId, documentId, step, JSON.stringify(result)],
    );
  }

  async failStep(missionId: string, documentId: string, step: IngestStep, error: string): Promise<void> {
    await this.changedStep(
      missionId,
      documentId,
      step,
      { state: 'failed', error: error.slice(0, 500) },
      `UPDATE document_steps SET status = 'failed', last_error = $4
       WHERE mission_id = $1 AND document_id = $2 AND step = $3`,
      [missionId, documentId, step, error.slice(0, 2000)],
    );
  }

  async steps(missionId: string, documentId: string): Promise<StepRecord[]> {
    const { rows } = await this.scoped(missionId).query<{
      step: string;
      status: StepRecord['status'];
      executions: number;
      duration_ms: number | null;
      started_at: Date | null;
      finished_at: Date | null;
      last_error: string | null;
    }>(
      `SELECT step, status, executions, duration_ms, started_at, finished_at, last_error FROM document_steps
       WHERE mission_id = $1 AND document_id = $2 ORDER BY started_at NULLS LAST, step`,
      [missionId, documentId],
    );
    return rows.map((row) => ({
      step: row.step,
      status: row.status,
      executions: row.executions,
      durationMs: row.duration_ms,
      startedAt: iso(row.started_at),
      finishedAt: iso(row.finished_at),
      lastError: row.last_error,
    }));
  }
}

/** A step's result, if it finished. */
async function recordedResult<T>(
  tx: SqlExecutor,
  missionId: string,
  documentId: string,
  step: IngestStep,
): Promise<T | null> {
  const { rows } = await tx.query<{ result: T }>(
    `SELECT result FROM document_steps WHERE mission_id = $1 AND document_id = $2 AND step = $3 AND status = 'done'`,
    [missionId, documentId, step],
  );
  return rows[0] ? rows[0].result : null;
}
