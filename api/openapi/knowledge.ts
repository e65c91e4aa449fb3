import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  entityListQuery,
  entityListSchema,
  entityPath,
  entitySchema,
  neighborsQuery,
  neighborsSchema,
} from '../routes/entities';
import { searchBody, searchResultsSchema } from '../routes/search';
import { missionPath } from '../validation';
import { json, jsonBody, problems } from './responses';

/** What a mission's indexed documents answer: search, and the entity graph. */
export const knowledgeOperations: RouteConfig[] = [
  {
    method: 'post',
    path: '/v1/missions/{mission}/search',
    operationId: 'searchMission',
    tags: ['search'],
    summary: 'Hybrid search within the mission',
    description: 'Full text and vectors, fused by reciprocal rank; answers are cached per cartridge version.',
    request: { params: missionPath, body: jsonBody(searchBody) },
    responses: {
      '200': json('The best chunks, best first', searchResultsSchema),
      ...problems('invalid_request', 'mission_not_found', 'too_large', 'embedding_rejected'),
    },
  },
  {
    method: 'get',
    path: '/v1/missions/{mission}/entities',
    operationId: 'listEntities',
    tags: ['entities'],
    summary: 'Entities of the mission graph',
    request: { params: missionPath, query: entityListQuery },
    responses: {
      '200': json('The entities found', entityListSchema),
      ...problems('invalid_request', 'mission_not_found'),
    },
  },
  {
    method: 'get',
    path: '/v1/missions/{mission}/entities/{entity}',
    operationId: 'getEntity',
    tags: ['entities'],
    summary: 'One entity',
    request: { params: entityPath },
    responses: {
      '200': json('The entity', entitySchema),
      ...problems('mission_not_found', 'entity_not_found'),
    },
  },
  {
    method: 'get',
    path: '/v1/missions/{mission}/entities/{entity}/neighbors',
    operationId: 'listEntityNeighbors',
    tags: ['entities'],
    summary: 'Entities co-occurring within depth hops, nearest first',
    request: { params: entityPath, query: neighborsQuery },
    responses: {
      '200': json('The entity and its neighbours', neighborsSchema),
      ...problems('invalid_request', 'mission_not_found', 'entity_not_found'),
    },
  },
];
