import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { missionListSchema, missionSchema } from '../routes/missions';
import { missionPath } from '../validation';
import { json, problems } from './responses';

export const missionOperations: RouteConfig[] = [
  {
    method: 'get',
    path: '/v1/missions',
    operationId: 'listMissions',
    tags: ['missions'],
    summary: 'List missions with their active cartridge version',
    responses: { '200': json('The missions', missionListSchema), ...problems() },
  },
  {
    method: 'get',
    path: '/v1/missions/{mission}',
    operationId: 'getMission',
    tags: ['missions'],
    summary: 'One mission with its active cartridge',
    request: { params: missionPath },
    responses: { '200': json('The mission', missionSchema), ...problems('mission_not_found') },
  },
];
