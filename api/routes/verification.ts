import { Router } from 'express';
import { z } from 'zod';
import { MissionflowError } from '../../domain/errors';
import {
  reviewDecisions,
  reviewerPattern,
  reviewReasons,
  verificationTaskIdPattern,
  verificationTaskStates,
} from '../../domain/verification';
import type { VerificationStore, VerificationTask } from '../../stores/relational/verification';
import type { Missions } from '../../services/missions';
import { documentIdSchema, matching, missionPath, validate } from '../validation';
import { missionOf, scopeToMission } from '../mission-scope';
import type { VerificationDesk } from '../../services/verification';

const taskIdSchema = matching(verificationTaskIdPattern).meta({
  description: 'A verification task id: the document id and its content version',
});
export const taskPath = missionPath.extend({ task: taskIdSchema });

export const taskListQuery = z
  .object({
    state: z.enum(verificationTaskStates).optional(),
    reason: z.enum(reviewReasons).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
  })
  .strict();

const reviewer = matching(reviewerPattern, 'letters, digits and . _ @ + -, 1 to 128 characters').meta({
  description: 'Who reviews: recorded in the audit trail',
});

export const claimBody = z.object({ reviewer }).strict().meta({ id: 'Claim' });

/** The shape is checked here; the rules of a decision (domain/verification.ts) after. */
export const decisionBody = z
  .object({
    reviewer,
    decision: z.enum(reviewDecisions),
    reason: z.string().max(2_000).optional().meta({ description: 'Required for reject' }),
    corrections: z
      .object({
        documentClass: z.string().optional(),
        labels: z.array(z.string()).optional(),
        entities: z
          .object({
            add: z.array(z.object({ type: z.string(), name: z.string() }).strict()).optional(),
            remove: z.array(z.object({ type: z.string(), key: z.string() }).strict()).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional()
      .meta({ description: 'Only for correct' }),
  })
  .strict()
  .meta({ id: 'Decision' });

const isoTime = z.iso.datetime();

export const taskSchema = z
  .object({
    taskId: taskIdSchema,
    documentId: documentIdSchema,
    contentVersion: z.number().int(),
    workflowId: z.string(),
    reasons: z.array(z.enum(reviewReasons)),
    state: z.enum(verificationTaskStates),
    claimant: z.string().nullable(),
    leaseExpiresAt: isoTime.nullable(),
    deadlineAt: isoTime,
    escalations: z.number().int(),
    decision: z.enum(reviewDecisions).nullable(),
    decisionReason: z.string().nullable(),
    decidedBy: z.string().nullable(),
    decidedAt: isoTime.nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'VerificationTask' });

export const taskPageSchema = z
  .object({ tasks: z.array(taskSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'VerificationTaskPage' });

export const decisionAcceptedSchema = z
  .object({
    taskId: taskIdSchema,
    decision: z.enum(reviewDecisions),
    outcome: z.enum(['indexing', 'rejected']).meta({ description: 'Where the document goes now' }),
    task: taskSchema,
  })
  .meta({ id: 'DecisionAccepted' });

function taskParam(value: string | string[] | undefined): string {
  const parsed = taskIdSchema.safeParse(value);
  if (!parsed.success) {
    throw new MissionflowError('task_not_found', `no verification task '${String(value)}'`);
  }
  return parsed.data;
}

export function presentTask(task: VerificationTask): z.infer<typeof taskSchema> {
  const { missionId: _mission, ...shown } = task;
  return shown;
}

/** The human verification queue, scoped to the mission in the path. */
export function verificationRoutes(deps: {
  missions: Missions;
  verification: VerificationStore;
  desk: VerificationDesk;
}): Router {
  const router = scopeToMission(Router(), deps.missions);

  router.get('/v1/missions/:mission/verification', async (req, res) => {
    const { missionId } = missionOf(res);
    const query = validate(taskListQuery, req.query, 'query');
    const page = await deps.verification.list(missionId, {
      state: query.state,
      reason: query.reason,
      limit: query.limit,
      after: query.cursor,
    });
    res.json({
      tasks: page.tasks.map(presentTask),
      nextCursor: page.nextCursor,
    } satisfies z.infer<typeof taskPageSchema>);
  });

  router.get('/v1/missions/:mission/verification/:task', async (req, res) => {
    const { missionId } = missionOf(res);
    const taskId = taskParam(req.params.task);
    const task = await deps.verification.get(missionId, taskId);
    if (!task) throw new MissionflowError('task_not_found', `no verification task '${taskId}'`);
    res.json(presentTask(task));
  });

  router.post('/v1/missions/:mission/verification/:task/claim', async (req, res) => {
    const cartridge = missionOf(res);
    const taskId = taskParam(req.params.task);
    const body = validate(claimBody, req.body ?? {}, 'body');
    res.json(presentTask(await deps.desk.claim(cartridge, taskId, body.reviewer)));
  });

  router.post('/v1/missions/:mission/verification/:task/decision', async (req, res) => {
    const { missionId } = missionOf(res);
    const taskId = taskParam(req.params.task);
    const body = validate(decisionBody, req.body ?? {}, 'body');
    const { task, accepted } = await deps.desk.decide(missionId, { taskId, ...body });
    res.json({ ...accepted, task: presentTask(task) } satisfies z.infer<typeof decisionAcceptedSchema>);
  });

  return router;
}
