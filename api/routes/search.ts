import { Router } from 'express';
import { z } from 'zod';
import { retrievalStrategies } from '../../domain/search';
import type { Metrics } from '../../observability/metrics';
import type { Missions } from '../../services/missions';
import type { SearchService } from '../../services/search';
import { validate } from '../validation';
import { missionOf, scopeToMission } from '../mission-scope';

const strategy = z.enum(retrievalStrategies);
const timestamp = z.iso.datetime({ offset: true });

export const searchFilters = z
  .object({
    class: z
      .union([z.string().min(1).max(100), z.array(z.string().min(1).max(100)).min(1).max(50)])
      .optional(),
    labels: z.array(z.string().min(1).max(100)).min(1).max(50).optional().meta({
      description: 'Documents carrying every one of these labels',
    }),
    metadata: z
      .record(z.string().min(1).max(100), z.union([z.string().max(1000), z.number(), z.boolean()]))
      .optional()
      .meta({ description: 'Top-level metadata fields equal to these values' }),
    contentVersion: z.number().int().min(1).optional(),
    documentIds: z.array(z.string().min(1).max(200)).min(1).max(1000).optional(),
    createdAfter: timestamp.optional(),
    createdBefore: timestamp.optional(),
    indexedAfter: timestamp.optional(),
    indexedBefore: timestamp.optional(),
  })
  .strict()
  .meta({ id: 'SearchFilters' });

export const searchBody = z
  .object({
    query: z.string().trim().min(1).max(2000),
    limit: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: "At most the cartridge's search.maxLimit; its search.defaultLimit when absent" }),
    groupBy: z.enum(['document', 'chunk']).optional().meta({
      description:
        "One result per document with its best passages, or per chunk; the cartridge's search.groupBy when absent",
    }),
    strategies: z
      .array(strategy)
      .min(1)
      .refine((list) => new Set(list).size === list.length, 'each strategy once')
      .optional()
      .meta({ description: 'Only these strategies; every strategy the cartridge weighs when absent' }),
    filters: searchFilters.optional(),
    explain: z
      .boolean()
      .optional()
      .meta({ description: 'Say for each result which strategies found it, at which rank and score' }),
    rerank: z.boolean().optional().meta({
      description:
        "Re-order the first results with the cross-encoder (on a platform with RERANKER=local), or not; the cartridge's search.rerankCandidates when absent",
    }),
  })
  .strict()
  .meta({ id: 'SearchRequest' });

const passage = z.object({
  chunkId: z.string(),
  text: z.string(),
  heading: z.string().nullable(),
  score: z.number(),
});

export const searchResultsSchema = z
  .object({
    results: z.array(
      passage.extend({
        documentId: z.string(),
        title: z.string().nullable(),
        passages: z
          .array(passage)
          .optional()
          .meta({ description: "The document's best passages (grouped results)" }),
        explain: z
          .object({
            findings: z.array(
              z.object({
                chunkId: z.string(),
                strategy,
                part: z.number().int().meta({ description: 'Which part of the question (see parts)' }),
                rank: z.number().int(),
                score: z.number().meta({
                  description: "The strategy's own score: BM25, cosine similarity, or entity weight",
                }),
              }),
            ),
            rerank: z
              .object({
                score: z
                  .number()
                  .meta({ description: "The cross-encoder's score (a logit: higher is better)" }),
                rankBefore: z.number().int().meta({ description: 'Where the fusion had put the result' }),
              })
              .optional(),
          })
          .optional(),
      }),
    ),
    tookMs: z.number().meta({ description: 'Time spent answering, in milliseconds' }),
    cached: z.boolean().meta({ description: 'Answered from the search cache' }),
    cacheMatch: z.enum(['exact', 'semantic']).nullable().meta({
      description: 'How a cached answer matched: the same question, or one close in meaning',
    }),
    parts: z.array(z.string()).meta({ description: 'The parts a multi-part question was split into' }),
    splitBy: z.enum(['rules', 'model', 'off']).meta({
      description:
        'Who split the question: the rules, the chat model the cartridge asked for (questionSplitter: model), or nobody (splitQuestions: false)',
    }),
    strategies: z.array(strategy),
    entities: z
      .array(z.string())
      .meta({ description: 'Entities the question names, where graph retrieval started' }),
    embeddingModel: z.string(),
    reranker: z
      .string()
      .nullable()
      .meta({ description: 'The cross-encoder that re-ordered the first results, if any' }),
  })
  .meta({ id: 'SearchResults' });

export function searchRoutes(deps: { missions: Missions; search: SearchService; metrics: Metrics }): Router {
  const router = scopeToMission(Router(), deps.missions);
  router.post('/v1/missions/:mission/search', async (req, res) => {
    const started = performance.now();
    const { missionId, cartridge, version } = missionOf(res);
    const body = validate(searchBody, req.body, 'body');
    const limit = Math.min(body.limit ?? cartridge.search.defaultLimit, cartridge.search.maxLimit);
    const { cached, ...answer } = await deps.search.search(missionId, cartridge, {
      ...body,
      limit,
      cartridgeVersion: version,
    });
    const tookMs = Math.round((performance.now() - started) * 100) / 100;
    deps.metrics.searchDuration.observe(
      { mission: missionId, cached: String(cached !== false) },
      tookMs / 1000,
    );
    res.json({
      ...answer,
      tookMs,
      cached: cached !== false,
      cacheMatch: cached === false ? null : cached,
    } satisfies z.infer<typeof searchResultsSchema>);
  });
  return router;
}
