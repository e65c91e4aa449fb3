import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Process metrics plus the pipeline's own, every series labelled by mission. */
export interface Metrics {
  registry: Registry;
  documentsAdmitted: Counter<'mission'>;
  documentsIngested: Counter<'mission'>;
  documentsFailed: Counter<'mission' | 'code'>;
  stepDuration: Histogram<'mission' | 'step'>;
  searchDuration: Histogram<'mission' | 'cached'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'missionflow_' });
  return {
    registry,
    documentsAdmitted: new Counter({
      name: 'missionflow_documents_admitted_total',
      help: 'Documents accepted by the API (duplicates excluded)',
      labelNames: ['mission'],
      registers: [registry],
    }),
    documentsIngested: new Counter({
      name: 'missionflow_documents_ingested_total',
      help: 'Documents that reached indexed',
      labelNames: ['mission'],
      registers: [registry],
    }),
    documentsFailed: new Counter({
      name: 'missionflow_documents_failed_total',
      help: 'Documents that ended failed, by error code',
      labelNames: ['mission', 'code'],
      registers: [registry],
    }),
    stepDuration: new Histogram({
      name: 'missionflow_step_duration_seconds',
      help: 'Duration of one execution of a pipeline step',
      labelNames: ['mission', 'step'],
      buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    searchDuration: new Histogram({
      name: 'missionflow_search_duration_seconds',
      help: 'Duration of search requests, answered from the cache or computed',
      labelNames: ['mission', 'cached'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
