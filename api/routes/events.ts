import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { documentStatuses } from '../../domain/documents';
import { MissionflowError } from '../../domain/errors';
import type { Logger } from '../../observability/logger';
import type { DocumentEventStore } from '../../stores/relational/events';
import type { Missions } from '../../services/missions';
import { documentIdSchema, matching } from '../validation';
import { missionOf, scopeToMission } from '../mission-scope';

export interface EventStreamOptions {
  /** How often a stream looks for new events. */
  pollMs: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  keepAliveMs: number;
}

const eventId = matching(/^\d{1,15}$/, 'a whole number').meta({ description: 'An event id' });

/** Where a stream starts: after the event named by the header, else by the query, else the latest. */
export const eventsQuery = z.object({ after: eventId.optional() });
export const eventsHeaders = z.object({ 'Last-Event-ID': eventId.optional() });

/** The data of each server-sent event (its SSE `event` is the kind, its `id` the event id). */
export const documentEventSchema = z
  .object({
    eventId: z.number().int().meta({ description: 'Per mission, increasing in commit order' }),
    documentId: documentIdSchema,
    kind: z.enum(['status', 'step']),
    status: z.enum(documentStatuses).meta({ description: "The document's status once the change committed" }),
    step: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
    at: z.iso.datetime(),
  })
  .meta({ id: 'DocumentEvent' });

const defaults: EventStreamOptions = { pollMs: 500, keepAliveMs: 15_000 };
const batch = 500;

/**
 * `GET /v1/missions/:mission/events`: server-sent events of the mission's document status and step
 * changes, in commit order. Each event's id is its per-mission event id, so a client that
 * reconnects with `Last-Event-ID` (browsers do it themselves) gets exactly what it missed. A new
 * stream starts after the latest event, or after `?after=N` (0 replays everything kept).
 */
export function eventRoutes(deps: {
  missions: Missions;
  events: DocumentEventStore;
  logger: Logger;
  eventStream?: Partial<EventStreamOptions>;
  /** Aborted when the server shuts down: streams end, so the server need not wait for them. */
  stopping?: AbortSignal;
}): Router {
  const options = { ...defaults, ...deps.eventStream };
  const router = scopeToMission(Router(), deps.missions);

  router.get('/v1/missions/:mission/events', async (req, res) => {
    const { missionId } = missionOf(res);
    const resumeFrom = startingPoint(req);
    let cursor = resumeFrom ?? (await deps.events.latestEventId(missionId));
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    // Ask browsers to reconnect after 2 s if the stream drops.
    res.write('retry: 2000\n\n');
    let open = true;
    req.on('close', () => {
      open = false;
    });
    let lastWrite = Date.now();
    try {
      while (open && !deps.stopping?.aborted) {
        const events = await deps.events.since(missionId, cursor, batch);
        for (const event of events) {
          writeEvent(res, event);
          cursor = event.eventId;
        }
        if (events.length > 0) lastWrite = Date.now();
        if (events.length === batch) continue;
        if (Date.now() - lastWrite >= options.keepAliveMs) {
          res.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
        await new Promise((resolve) => setTimeout(resolve, options.pollMs));
      }
    } catch (error) {
      // The client resumes from the last id it saw; nothing is lost by ending here.
      deps.logger.warn({ err: error, missionId }, 'event stream ended by an error');
    } finally {
      res.end();
    }
  });

  return router;
}

function startingPoint(req: Request): number | null {
  const header = req.headers['last-event-id'];
  const raw = typeof header === 'string' && header !== '' ? header : req.query.after;
  if (raw === undefined) return null;
  const parsed = eventId.safeParse(raw);
  if (!parsed.success) {
    throw new MissionflowError('invalid_request', 'Last-Event-ID (or ?after) must be an event id', [
      {
        path: typeof header === 'string' && header !== '' ? 'Last-Event-ID' : 'after',
        message: 'a whole number',
      },
    ]);
  }
  return Number(parsed.data);
}

function writeEvent(res: Response, event: z.infer<typeof documentEventSchema>): void {
  res.write(`id: ${event.eventId}\nevent: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`);
}
