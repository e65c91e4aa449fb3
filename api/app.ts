import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { CartridgeStore } from '../stores/relational/cartridges';
import type { DocumentStore } from '../stores/relational/documents';
import type { DocumentEventStore } from '../stores/relational/events';
import type { VerificationStore } from '../stores/relational/verification';
import type { GraphStore } from '../stores/graph/graph-store';
import type { Admission } from '../services/admission';
import type { DocumentDeletion } from '../services/deletion';
import type { DocumentView } from '../services/document-view';
import type { Missions } from '../services/missions';
import { openApiDocument } from './openapi';
import { notFoundHandler, problemHandler } from './problems';
import { documentRoutes } from './routes/documents';
import { entityRoutes } from './routes/entities';
import { eventRoutes, type EventStreamOptions } from './routes/events';
import { healthRoutes, type ReadinessCheck } from './routes/health';
import { missionRoutes } from './routes/missions';
import { searchRoutes } from './routes/search';
import { verificationRoutes } from './routes/verification';
import type { SearchService } from '../services/search';
import type { VerificationDesk } from '../services/verification';

export interface AppDependencies {
  missions: Missions;
  admission: Admission;
  deletion: DocumentDeletion;
  /** One document's detail, read from the stores and its run. */
  view: DocumentView;
  documents: DocumentStore;
  cartridges: CartridgeStore;
  search: SearchService;
  graph: GraphStore;
  verification: VerificationStore;
  desk: VerificationDesk;
  events: DocumentEventStore;
  eventStream?: Partial<EventStreamOptions>;
  /** Aborted when the server is about to close: long-lived streams end. */
  stopping?: AbortSignal;
  metrics: Metrics & { registry: Registry };
  logger: Logger;
  readiness: Record<string, ReadinessCheck>;
  startedAt: Date;
}

/** The Express app, separate from the HTTP server so tests and the server share it. */
export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      const missionId = /^\/v1\/missions\/([^/]+)/.exec(req.path)?.[1];
      deps.logger.debug(
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
          missionId,
        },
        'request',
      );
    });
    next();
  });
  app.use(
    healthRoutes({ checks: deps.readiness, startedAt: deps.startedAt, registry: deps.metrics.registry }),
  );
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  // Document uploads read their own bodies (streamed); everything else is small JSON.
  app.use(documentRoutes(deps));
  app.use(express.json({ limit: '1mb' }));
  app.use(missionRoutes(deps));
  app.use(searchRoutes(deps));
  app.use(entityRoutes(deps));
  app.use(verificationRoutes(deps));
  app.use(eventRoutes(deps));
  app.use(notFoundHandler);
  app.use(problemHandler(deps.logger));
  return app;
}
