import { Router } from 'express';
import { z } from 'zod';
import { MissionflowError } from '../../domain/errors';
import { entityTypePattern } from '../../domain/entities';
import { graphLimits, type GraphStore } from '../../stores/graph/graph-store';
import type { Missions } from '../../services/missions';
import { matching, missionPath, validate } from '../validation';
import { missionOf, scopeToMission } from '../mission-scope';

const entityIdSchema = matching(/^[0-9a-f]{32}$/).meta({ description: 'An entity id' });
export const entityPath = missionPath.extend({ entity: entityIdSchema });

export const entityListQuery = z
  .object({
    q: z.string().trim().min(1).max(200).optional().meta({ description: 'Part of the entity key' }),
    type: matching(entityTypePattern, 'an entity type of the cartridge')
      .optional()
      .meta({ description: 'One entity type of the cartridge' }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const neighborsQuery = z
  .object({
    // Deeper traversals are answered at the cap, and the answer says which depth it used.
    depth: z.coerce
      .number()
      .int()
      .min(1)
      .default(1)
      .meta({ description: `Hops to traverse; deeper asks are answered at ${graphLimits.maxDepth}` }),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const entitySchema = z
  .object({
    entityId: entityIdSchema,
    type: z.string(),
    key: z.string(),
    name: z.string(),
    mentions: z.number().int().meta({ description: 'Chunks mentioning the entity' }),
  })
  .meta({ id: 'Entity' });

export const entityListSchema = z.object({ entities: z.array(entitySchema) }).meta({ id: 'EntityList' });

export const neighborsSchema = z
  .object({
    entity: entitySchema,
    depth: z.number().int().meta({ description: 'The depth used, after the cap' }),
    neighbors: z.array(
      entitySchema
        .extend({ depth: z.number().int().meta({ description: 'Hops from the entity' }) })
        .meta({ id: 'Neighbor' }),
    ),
  })
  .meta({ id: 'EntityNeighbors' });

/** Entity lookup and graph traversal, each scoped to the mission in the path. */
export function entityRoutes(deps: { missions: Missions; graph: GraphStore }): Router {
  const router = scopeToMission(Router(), deps.missions);

  router.get('/v1/missions/:mission/entities', async (req, res) => {
    const { missionId } = missionOf(res);
    const query = validate(entityListQuery, req.query, 'query');
    res.json({
      entities: await deps.graph.findEntities(missionId, query),
    } satisfies z.infer<typeof entityListSchema>);
  });

  router.get('/v1/missions/:mission/entities/:entity', async (req, res) => {
    const { missionId } = missionOf(res);
    res.json(
      (await requireEntity(deps.graph, missionId, req.params.entity)) satisfies z.infer<typeof entitySchema>,
    );
  });

  router.get('/v1/missions/:mission/entities/:entity/neighbors', async (req, res) => {
    const { missionId } = missionOf(res);
    const query = validate(neighborsQuery, req.query, 'query');
    const entity = await requireEntity(deps.graph, missionId, req.params.entity);
    const depth = Math.min(query.depth, graphLimits.maxDepth);
    const neighbors = await deps.graph.neighbors(missionId, entity.entityId, depth, query.limit);
    res.json({ entity, depth, neighbors } satisfies z.infer<typeof neighborsSchema>);
  });

  return router;
}

async function requireEntity(graph: GraphStore, missionId: string, value: string | string[] | undefined) {
  // An id that cannot exist is reported like one that does not (and never reaches a store).
  const id = entityIdSchema.safeParse(value);
  const entity = id.success ? await graph.getEntity(missionId, id.data) : null;
  if (!entity) throw new MissionflowError('entity_not_found', `entity '${String(value)}' does not exist`);
  return entity;
}
