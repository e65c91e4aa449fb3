import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { eventsHeaders, eventsQuery } from '../routes/events';
import { missionPath } from '../validation';
import { problems } from './responses';

export const eventOperations: RouteConfig[] = [
  {
    method: 'get',
    path: '/v1/missions/{mission}/events',
    operationId: 'streamMissionEvents',
    tags: ['events'],
    summary: "Server-sent events of the mission's document status and step changes, in commit order",
    description:
      'Each event id is the event id: reconnect with Last-Event-ID to get exactly what was missed; ?after=N ' +
      'starts after N (0 replays everything kept); neither starts after the latest.',
    request: { params: missionPath, query: eventsQuery, headers: eventsHeaders },
    responses: {
      '200': {
        description:
          'A text/event-stream: events `status` and `step`, each with its id and, as data, a JSON ' +
          'DocumentEvent (#/components/schemas/DocumentEvent)',
        content: { 'text/event-stream': { schema: z.string() } },
      },
      ...problems('invalid_request', 'mission_not_found'),
    },
  },
];
