import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { documentEventSchema } from '../routes/events';
import { documentOperations } from './documents';
import { eventOperations } from './events';
import { knowledgeOperations } from './knowledge';
import { missionOperations } from './missions';
import { serviceOperations } from './service';
import { verificationOperations } from './verification';

type GeneratedDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;
type Components = NonNullable<GeneratedDocument['components']>;

/** The generated document; its schemas are always there (every operation answers with one). */
export type OpenApiDocument = GeneratedDocument & {
  components: Components & { schemas: NonNullable<Components['schemas']> };
};

const tags = [
  { name: 'health', description: 'Liveness, readiness, start-up and Prometheus metrics' },
  { name: 'missions', description: 'Missions (tenants) and their active cartridge' },
  { name: 'documents', description: 'Ingest, list, read and delete documents' },
  { name: 'verification', description: 'The human verification queue: claim and decide' },
  { name: 'search', description: 'Hybrid search within a mission' },
  { name: 'entities', description: 'Entity lookup and graph traversal' },
  { name: 'events', description: "Server-sent events of a mission's documents" },
  { name: 'reference', description: 'This document' },
];

/**
 * The HTTP API v1 as OpenAPI 3.1, generated from the zod schemas the routes validate requests with
 * and type their answers with, so the two cannot drift. test/unit/openapi.test.ts checks it against
 * the OpenAPI 3.1 schema and against the routes the app serves.
 */
export function buildOpenApiDocument(): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  for (const operation of [
    ...serviceOperations,
    ...missionOperations,
    ...documentOperations,
    ...verificationOperations,
    ...knowledgeOperations,
    ...eventOperations,
  ]) {
    registry.registerPath(operation);
  }
  // Named in the event stream's description rather than referenced: the data of each event.
  const generator = new OpenApiGeneratorV31([
    ...registry.definitions,
    { type: 'schema', schema: documentEventSchema },
  ]);
  const document = generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'missionflow',
      version: '1.0.0',
      description: 'Durable multi-tenant document ingestion and search on Temporal.',
    },
    tags,
  });
  const schemas = document.components?.schemas;
  if (!schemas) throw new Error('the generated OpenAPI document has no schemas');
  return { ...document, components: { ...document.components, schemas } };
}

/** Served at /openapi.json. */
export const openApiDocument = buildOpenApiDocument();
