import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { livenessSchema, readinessSchema, startupSchema } from '../routes/health';
import { json, problems } from './responses';

/** Health, metrics and this document: what operators and tools ask of the service itself. */
export const serviceOperations: RouteConfig[] = [
  {
    method: 'get',
    path: '/health/live',
    operationId: 'getLiveness',
    tags: ['health'],
    summary: 'Liveness: the process answers',
    responses: { '200': json('The process answers', livenessSchema), ...problems() },
  },
  {
    method: 'get',
    path: '/health/ready',
    operationId: 'getReadiness',
    tags: ['health'],
    summary: 'Readiness: every dependency answers',
    description:
      'Asks every dependency, each within 3 s: database, temporal, workers, vectors, graph, blobs, cache. A ' +
      'required check that fails answers 503 `failing` (take the replica out of rotation). The search cache is ' +
      'optional (`required: false`): search works without it, so its failure answers 200 `degraded`, the ' +
      'failing check shown with its detail.',
    responses: {
      '200': json('Ready: `ok`, or `degraded` when only optional checks fail', readinessSchema),
      '503': json('A required dependency is failing: `failing`', readinessSchema),
      ...problems(),
    },
  },
  {
    method: 'get',
    path: '/health/startup',
    operationId: 'getStartup',
    tags: ['health'],
    summary: 'Start-up finished',
    responses: { '200': json('Started', startupSchema), ...problems() },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    tags: ['health'],
    summary: 'Prometheus metrics',
    responses: {
      '200': {
        description: 'The Prometheus text exposition format',
        content: { 'text/plain': { schema: z.string() } },
      },
      ...problems(),
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    tags: ['reference'],
    summary: 'This OpenAPI document',
    responses: {
      '200': json('The OpenAPI 3.1 document of the HTTP API', z.record(z.string(), z.unknown())),
      ...problems(),
    },
  },
];
