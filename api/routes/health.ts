import { Router } from 'express';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { withDeadline } from '../../stores/deadline';

/** Resolves when the dependency answers; rejects with what went wrong when it does not. */
export type ReadinessProbe = () => Promise<void>;

/**
 * A dependency /health/ready asks. A bare probe is required: its failure takes the replica out of
 * rotation (503). `required: false` is for a dependency the API keeps working without (the search
 * cache): its failure is shown, and the answer is 200 `degraded`, because taking every replica out
 * of rotation for it would turn a slower search into no API at all.
 */
export type ReadinessCheck = ReadinessProbe | { probe: ReadinessProbe; required: boolean };

export const readinessStatuses = ['ok', 'degraded', 'failing'] as const;
export type ReadinessStatus = (typeof readinessStatuses)[number];

export const checkResultSchema = z.object({
  status: z.enum(['ok', 'failing']),
  detail: z.string().optional().meta({ description: 'Why the check fails' }),
  /** Only on optional checks, so an operator sees why a failing one still answers 200. */
  required: z.literal(false).optional().meta({
    description: 'Only on optional checks: their failure answers 200 `degraded`, not 503',
  }),
});
export type CheckResult = z.infer<typeof checkResultSchema>;

/** The answer of /health/ready, whatever its status code. */
export const readinessSchema = z
  .object({
    status: z.enum(readinessStatuses),
    checks: z.record(z.string(), checkResultSchema).meta({ description: 'One entry per dependency' }),
  })
  .meta({ id: 'Readiness' });

export const livenessSchema = z.object({ status: z.literal('ok') });
export const startupSchema = z.object({ status: z.literal('ok'), startedAt: z.iso.datetime() });

/** Per check; a probe that neither answers nor fails by then counts as failing. */
const checkTimeoutMs = 3_000;

async function runCheck(name: string, check: ReadinessCheck): Promise<CheckResult> {
  const { probe, required } = typeof check === 'function' ? { probe: check, required: true } : check;
  const optional = required ? {} : { required: false as const };
  try {
    await withDeadline(probe(), checkTimeoutMs, name);
    return { status: 'ok', ...optional };
  } catch (error) {
    return { status: 'failing', detail: (error as Error).message, ...optional };
  }
}

/** Failing when a required check fails, degraded when only optional ones do, ok otherwise. */
export function readinessStatus(results: readonly CheckResult[]): ReadinessStatus {
  const failing = results.filter((result) => result.status === 'failing');
  if (failing.some((result) => result.required !== false)) return 'failing';
  return failing.length > 0 ? 'degraded' : 'ok';
}

/** Liveness (the process answers), readiness (every dependency answers), start-up, and metrics. */
export function healthRoutes(deps: {
  checks: Record<string, ReadinessCheck>;
  startedAt: Date;
  registry: Registry;
}): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' } satisfies z.infer<typeof livenessSchema>);
  });
  router.get('/health/startup', (_req, res) => {
    res.json({
      status: 'ok',
      startedAt: deps.startedAt.toISOString(),
    } satisfies z.infer<typeof startupSchema>);
  });
  router.get('/health/ready', async (_req, res) => {
    const results = await Promise.all(
      Object.entries(deps.checks).map(async ([name, check]) => [name, await runCheck(name, check)] as const),
    );
    const status = readinessStatus(results.map(([, result]) => result));
    const body: z.infer<typeof readinessSchema> = { status, checks: Object.fromEntries(results) };
    res.status(status === 'failing' ? 503 : 200).json(body);
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  return router;
}
