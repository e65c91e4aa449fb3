import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  claimBody,
  decisionAcceptedSchema,
  decisionBody,
  taskListQuery,
  taskPageSchema,
  taskPath,
  taskSchema,
} from '../routes/verification';
import { missionPath } from '../validation';
import { json, jsonBody, problems } from './responses';

export const verificationOperations: RouteConfig[] = [
  {
    method: 'get',
    path: '/v1/missions/{mission}/verification',
    operationId: 'listVerificationTasks',
    tags: ['verification'],
    summary: 'The review queue, oldest first',
    request: { params: missionPath, query: taskListQuery },
    responses: {
      '200': json('A page of tasks, and the cursor of the next', taskPageSchema),
      ...problems('invalid_request', 'mission_not_found'),
    },
  },
  {
    method: 'get',
    path: '/v1/missions/{mission}/verification/{task}',
    operationId: 'getVerificationTask',
    tags: ['verification'],
    summary: 'One verification task',
    request: { params: taskPath },
    responses: { '200': json('The task', taskSchema), ...problems('mission_not_found', 'task_not_found') },
  },
  {
    method: 'post',
    path: '/v1/missions/{mission}/verification/{task}/claim',
    operationId: 'claimVerificationTask',
    tags: ['verification'],
    summary: "Claim the task for the cartridge's lease; claiming again renews your own lease",
    request: { params: taskPath, body: jsonBody(claimBody) },
    responses: {
      '200': json('The claimed task', taskSchema),
      ...problems(
        'invalid_request',
        'mission_not_found',
        'task_not_found',
        'already_claimed',
        'already_decided',
        'review_expired',
        'too_large',
      ),
    },
  },
  {
    method: 'post',
    path: '/v1/missions/{mission}/verification/{task}/decision',
    operationId: 'decideVerificationTask',
    tags: ['verification'],
    summary: 'Decide a task you hold',
    description:
      'approve (indexed), reject (with a reason: rejected) or correct (indexed with the corrected class, ' +
      'labels and entities). Delivered to the waiting run as a Temporal Update, so the answer says whether ' +
      'the decision took.',
    request: { params: taskPath, body: jsonBody(decisionBody) },
    responses: {
      '200': json('The decision took', decisionAcceptedSchema),
      ...problems(
        'invalid_request',
        'mission_not_found',
        'task_not_found',
        'claim_required',
        'already_claimed',
        'already_decided',
        'review_expired',
        'too_large',
      ),
    },
  },
];
