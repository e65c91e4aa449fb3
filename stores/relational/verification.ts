import type { ReviewDecision, ReviewReason, VerificationTaskState } from '../../domain/verification';
import { MissionflowError } from '../../domain/errors';
import { recordDocumentEvent } from './events';
import { isoTime, isoTimeOrNull, type SqlClient } from './sql';

export interface VerificationTask {
  missionId: string;
  taskId: string;
  documentId: string;
  contentVersion: number;
  workflowId: string;
  reasons: ReviewReason[];
  state: VerificationTaskState;
  claimant: string | null;
  leaseExpiresAt: string | null;
  deadlineAt: string;
  escalations: number;
  decision: ReviewDecision['decision'] | null;
  decisionReason: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface TaskPage {
  tasks: VerificationTask[];
  nextCursor: string | null;
}

interface TaskRow {
  mission_id: string;
  task_id: string;
  document_id: string;
  content_version: number;
  workflow_id: string;
  reasons: ReviewReason[];
  state: VerificationTaskState;
  claimant: string | null;
  lease_expires_at: Date | string | null;
  deadline_at: Date | string;
  escalations: number;
  decision: ReviewDecision['decision'] | null;
  decision_reason: string | null;
  decided_by: string | null;
  decided_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

function toTask(row: TaskRow): VerificationTask {
  return {
    missionId: row.mission_id,
    taskId: row.task_id,
    documentId: row.document_id,
    contentVersion: row.content_version,
    workflowId: row.workflow_id,
    reasons: row.reasons,
    state: row.state,
    claimant: row.claimant,
    leaseExpiresAt: isoTimeOrNull(row.lease_expires_at),
    deadlineAt: isoTime(row.deadline_at),
    escalations: row.escalations,
    decision: row.decision,
    decisionReason: row.decision_reason,
    decidedBy: row.decided_by,
    decidedAt: isoTimeOrNull(row.decided_at),
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  };
}

/**
 * The human verification queue's rows. The waiting workflow is the authority on decisions (a
 * decision is a Temporal Update it validates); these rows are what reviewers list and claim, and
 * the record of what was decided, by whom and when. Every statement is scoped to the mission.
 */
export class VerificationStore {
  constructor(private readonly sql: SqlClient) {}

  /** Opens the document version's task, or returns the one already open (a retried activity). */
  async open(task: {
    missionId: string;
    taskId: string;
    documentId: string;
    contentVersion: number;
    workflowId: string;
    reasons: readonly ReviewReason[];
    deadlineAt: string;
  }): Promise<VerificationTask> {
    return this.sql.inMission(task.missionId, async (tx) => {
      const inserted = await tx.query<TaskRow>(
        `INSERT INTO verification_tasks
           (mission_id, task_id, document_id, content_version, workflow_id, reasons, state, deadline_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7)
         ON CONFLICT DO NOTHING RETURNING *`,
        [
          task.missionId,
          task.taskId,
          task.documentId,
          task.contentVersion,
          task.workflowId,
          [...task.reasons],
          task.deadlineAt,
        ],
      );
      if (inserted.rows[0]) return toTask(inserted.rows[0]);
      const { rows } = await tx.query<TaskRow>(
        'SELECT * FROM verification_tasks WHERE mission_id = $1 AND task_id = $2',
        [task.missionId, task.taskId],
      );
      if (!rows[0]) throw new Error(`verification task ${task.taskId} conflicted but cannot be read`);
      return toTask(rows[0]);
    });
  }

  async get(missionId: string, taskId: string): Promise<VerificationTask | null> {
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<TaskRow>('SELECT * FROM verification_tasks WHERE mission_id = $1 AND task_id = $2', [
        missionId,
        taskId,
      ]),
    );
    return rows[0] ? toTask(rows[0]) : null;
  }

  /** Oldest first, so the queue is worked in order; filtered by state and reason. */
  async list(
    missionId: string,
    options: { state?: VerificationTaskState; reason?: ReviewReason; limit: number; after?: string },
  ): Promise<TaskPage> {
    const params: unknown[] = [missionId];
    let where = 'mission_id = $1';
    if (options.state) {
      params.push(options.state);
      where += ` AND state = $${params.length}`;
    }
    if (options.reason) {
      params.push(options.reason);
      where += ` AND $${params.length} = ANY (reasons)`;
    }
    const cursor = options.after ? decodeTaskCursor(options.after) : null;
    if (cursor) {
      params.push(cursor[0], cursor[1]);
      where += ` AND (created_at, task_id) > ($${params.length - 1}::timestamptz, $${params.length})`;
    }
    params.push(options.limit + 1);
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<TaskRow & { created_at_exact: string }>(
        `SELECT *, created_at::text AS created_at_exact FROM verification_tasks WHERE ${where}
         ORDER BY created_at, task_id LIMIT $${params.length}`,
        params,
      ),
    );
    const page = rows.slice(0, options.limit);
    const last = page[page.length - 1];
    return {
      tasks: page.map(toTask),
      nextCursor:
        rows.length > options.limit && last
          ? Buffer.from(JSON.stringify([last.created_at_exact, last.task_id])).toString('base64url')
          : null,
    };
  }

  /**
   * Gives `reviewer` the task for `leaseSeconds`: an open task, one whose lease ran out, or one
   * the reviewer already holds (which renews the lease). The database's clock decides leases, so
   * every API process agrees on them.
   */
  async claim(
    missionId: string,
    taskId: string,
    reviewer: string,
    leaseSeconds: number,
  ): Promise<VerificationTask> {
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<TaskRow>(
        `UPDATE verification_tasks
         SET state = 'claimed', claimant = $3, lease_expires_at = now() + make_interval(secs => $4),
             updated_at = now()
         WHERE mission_id = $1 AND task_id = $2 AND (state = 'open' OR (state = 'claimed'
           AND (claimant = $3 OR lease_expires_at <= now())))
         RETURNING *`,
        [missionId, taskId, reviewer, leaseSeconds],
      ),
    );
    if (rows[0]) return toTask(rows[0]);
    throw await this.whyNotYours(missionId, taskId, reviewer);
  }

  /** The task, if `reviewer` holds an unexpired claim on it; otherwise the reason as a typed error. */
  async requireClaim(missionId: string, taskId: string, reviewer: string): Promise<VerificationTask> {
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<TaskRow>(
        `SELECT * FROM verification_tasks WHERE mission_id = $1 AND task_id = $2 AND state = 'claimed'
           AND claimant = $3 AND lease_expires_at > now()`,
        [missionId, taskId, reviewer],
      ),
    );
    if (rows[0]) return toTask(rows[0]);
    throw await this.whyNotYours(missionId, taskId, reviewer);
  }

  private async whyNotYours(missionId: string, taskId: string, reviewer: string): Promise<MissionflowError> {
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<TaskRow & { lease_live: boolean }>(
        `SELECT *, (lease_expires_at > now()) AS lease_live FROM verification_tasks
         WHERE mission_id = $1 AND task_id = $2`,
        [missionId, taskId],
      ),
    );
    const task = rows[0];
    if (!task) return new MissionflowError('task_not_found', `no verification task ${taskId}`);
    if (task.state === 'decided') {
      return new MissionflowError('already_decided', `task ${taskId} was decided by ${task.decided_by}`);
    }
    if (task.state === 'expired') {
      return new MissionflowError('review_expired', `task ${taskId} took its default decision`);
    }
    if (task.state === 'claimed' && task.lease_live && task.claimant !== reviewer) {
      return new MissionflowError(
        'already_claimed',
        `task ${taskId} is claimed by ${task.claimant} until ${isoTimeOrNull(task.lease_expires_at)}`,
      );
    }
    return new MissionflowError('claim_required', `claim task ${taskId} before deciding it`);
  }

  /**
   * Records the decision the workflow accepted (`decided`) or the default it took at the deadline
   * (`expired`), with the corrections, if any, kept for later use. Idempotent: a retried activity
   * finds the task already closed and changes nothing.
   */
  async close(
    missionId: string,
    taskId: string,
    outcome: ReviewDecision,
    state: 'decided' | 'expired',
  ): Promise<void> {
    await this.sql.inMission(missionId, async (tx) => {
      const { rows } = await tx.query<TaskRow>(
        `UPDATE verification_tasks SET state = $3, decision = $4, decision_reason = $5, decided_by = $6,
           decided_at = now(), lease_expires_at = NULL, updated_at = now()
         WHERE mission_id = $1 AND task_id = $2 AND state IN ('open', 'claimed')
         RETURNING *`,
        [missionId, taskId, state, outcome.decision, outcome.reason ?? null, outcome.reviewer],
      );
      const task = rows[0];
      if (!task) return;
      if (outcome.decision === 'correct' && outcome.corrections) {
        await tx.query(
          `INSERT INTO document_corrections (mission_id, task_id, document_id, content_version, reviewer,
             corrections)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT DO NOTHING`,
          [
            missionId,
            taskId,
            task.document_id,
            task.content_version,
            outcome.reviewer,
            JSON.stringify(outcome.corrections),
          ],
        );
      }
      await recordDocumentEvent(tx, {
        missionId,
        documentId: task.document_id,
        kind: 'status',
        detail: { taskId, decision: outcome.decision, by: outcome.reviewer, state },
      });
    });
  }

  /**
   * The run stopped waiting without a decision (cancelled, or its document deleted): the task
   * leaves the queue as `expired`, with no decision, closed by `system:cancelled`.
   */
  async withdraw(missionId: string, taskId: string): Promise<void> {
    await this.sql.inMission(missionId, (tx) =>
      tx.query(
        `UPDATE verification_tasks SET state = 'expired', decided_by = 'system:cancelled', decided_at = now(),
           lease_expires_at = NULL, updated_at = now()
         WHERE mission_id = $1 AND task_id = $2 AND state IN ('open', 'claimed')`,
        [missionId, taskId],
      ),
    );
  }

  /** The deadline passed undecided: reopen the task (claim released), flagged, with a new deadline. */
  async escalate(missionId: string, taskId: string, deadlineAt: string): Promise<void> {
    await this.sql.inMission(missionId, (tx) =>
      tx.query(
        `UPDATE verification_tasks SET state = 'open', claimant = NULL, lease_expires_at = NULL,
           escalations = escalations + 1, deadline_at = $3, updated_at = now()
         WHERE mission_id = $1 AND task_id = $2 AND state IN ('open', 'claimed')`,
        [missionId, taskId, deadlineAt],
      ),
    );
  }

  /** Corrections recorded for a document (who, when, what), newest first. */
  async corrections(
    missionId: string,
    documentId: string,
  ): Promise<
    Array<{
      taskId: string;
      contentVersion: number;
      reviewer: string;
      correctedAt: string;
      corrections: unknown;
    }>
  > {
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<{
        task_id: string;
        content_version: number;
        reviewer: string;
        corrected_at: Date | string;
        corrections: unknown;
      }>(
        `SELECT task_id, content_version, reviewer, corrected_at, corrections FROM document_corrections
         WHERE mission_id = $1 AND document_id = $2 ORDER BY corrected_at DESC`,
        [missionId, documentId],
      ),
    );
    return rows.map((row) => ({
      taskId: row.task_id,
      contentVersion: row.content_version,
      reviewer: row.reviewer,
      correctedAt: isoTime(row.corrected_at),
      corrections: row.corrections,
    }));
  }
}

function decodeTaskCursor(cursor: string): [string, string] | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === 'string')) {
      return [value[0] as string, value[1] as string];
    }
  } catch {
    // fall through: not a cursor this store wrote
  }
  return null;
}
