import { Router } from 'express';
import { z } from 'zod';
import { MissionflowError } from '../../domain/errors';
import { entityTypePattern } from '../../domain/entities';
import { graphLimits, type GraphStore } from '../../stores/graph/graph-store';
import type { Admission } from '../../services/admission';
import { missionParam, validate } from '../validation';

const entityIdPattern = /^[0-9a-f]{32}$/;

const listQuery = z
  .object({
    q: z.string().trim().min(1).max(200).optional(),
    type: z.string().regex(entityTypePattern, 'an entity type of the cartridge').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

const neighborsQuery = z
  .object({
    // Deeper traversals are answered at the cap, and the answer says which depth it used.
    depth: z.coerce.number().int().min(1).default(1),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

/** Entity lookup and graph traversal, each scoped to the mission in the path. */
export function entityRoutes(deps: { admission: Admission; graph: GraphStore }): Router {
  const router = Router();

  router.get('/v1/missions/:mission/entities', async (req, res) => {
    const missionId = missionParam(req.params.mission);
    await deps.admission.requireMission(missionId);
    const query = validate(listQuery, req.query, 'query');
    res.json({ entities: await deps.graph.findEntities(missionId, query) });
  });

  router.get('/v1/missions/:mission/entities/:entity', async (req, res) => {
    const missionId = missionParam(req.params.mission);
    await deps.admission.requireMission(missionId);
    res.json(await requireEntity(deps.graph, missionId, req.params.entity));
  });

  router.get('/v1/missions/:mission/entities/:entity/neighbors', async (req, res) => {
    const missionId = missionParam(req.params.mission);
    await deps.admission.requireMission(missionId);
    const query = validate(neighborsQuery, req.query, 'query');
    const entity = await requireEntity(deps.graph, missionId, req.params.entity);
    const depth = Math.min(query.depth, graphLimits.maxDepth);
    const neighbors = await deps.graph.neighbors(missionId, entity.entityId, depth, query.limit);
    res.json({ entity, depth, neighbors });
  });

  return router;
}

async function requireEntity(graph: GraphStore, missionId: string, value: string | string[] | undefined) {
  // An id that cannot exist is reported like one that does not (and never reaches a store).
  const entity =
    typeof value === 'string' && entityIdPattern.test(value) ? await graph.getEntity(missionId, value) : null;
  if (!entity) throw new MissionflowError('entity_not_found', `entity '${String(value)}' does not exist`);
  return entity;
}
