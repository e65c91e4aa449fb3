import { Router } from 'express';
import { z } from 'zod';
import type { Metrics } from '../../observability/metrics';
import type { Missions } from '../../services/missions';
import type { SearchService } from '../../services/search';
import { validate } from '../validation';
import { missionOf, scopeToMission } from '../mission-scope';

export const searchBody = z
  .object({
    query: z.string().trim().min(1).max(2000),
    limit: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: "At most the cartridge's search.maxLimit; its search.defaultLimit when absent" }),
  })
  .strict()
  .meta({ id: 'SearchRequest' });

export const searchResultsSchema = z
  .object({
    results: z.array(
      z.object({
        documentId: z.string(),
        chunkId: z.string(),
        score: z.number(),
        text: z.string(),
        title: z.string().nullable(),
        heading: z.string().nullable(),
      }),
    ),
    tookMs: z.number().meta({ description: 'Time spent answering, in milliseconds' }),
    cached: z.boolean().meta({ description: 'Answered from the search cache' }),
  })
  .meta({ id: 'SearchResults' });

export function searchRoutes(deps: { missions: Missions; search: SearchService; metrics: Metrics }): Router {
  const router = scopeToMission(Router(), deps.missions);
  router.post('/v1/missions/:mission/search', async (req, res) => {
    const started = performance.now();
    const { missionId, cartridge, version } = missionOf(res);
    const body = validate(searchBody, req.body, 'body');
    const limit = Math.min(body.limit ?? cartridge.search.defaultLimit, cartridge.search.maxLimit);
    const { results, cached } = await deps.search.search(missionId, cartridge, {
      query: body.query,
      limit,
      cartridgeVersion: version,
    });
    const tookMs = Math.round((performance.now() - started) * 100) / 100;
    deps.metrics.searchDuration.observe({ mission: missionId, cached: String(cached) }, tookMs / 1000);
    res.json({ results, tookMs, cached } satisfies z.infer<typeof searchResultsSchema>);
  });
  return router;
}
