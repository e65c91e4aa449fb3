import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { knownLanes, laneTaskQueue } from '../../domain/lanes';
import { customSearchAttributes } from '../../domain/search-attributes';
import { workflowTaskQueue } from '../../workers/ingest';
import { repoRoot, testEnv } from '../support/env';

/**
 * The `services` profile's docker-compose.yml: valid against the Compose specification's own JSON
 * schema, and true to the project's rules (health checks, pinned images, declared volumes, a worker
 * for every lane, ...). There is no Docker engine here, so the file is checked, not run; the scripts
 * it mounts are checked for what the platform relies on.
 */

interface HealthCheck {
  test?: string | string[];
  disable?: boolean;
}
interface Dependency {
  condition?: string;
}
type VolumeMount = string | { type?: string; source?: string; target?: string };
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: HealthCheck;
  depends_on?: string[] | Record<string, Dependency>;
  volumes?: VolumeMount[];
  restart?: string;
  network_mode?: string;
  privileged?: boolean;
  pid?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const composePath = join(repoRoot, 'docker-compose.yml');
const composeText = readFileSync(composePath, 'utf8');
// Merge keys (`<<: *anchor`) are YAML 1.1, which Compose reads; the yaml package needs them asked for.
const loadCompose = (): ComposeFile => parse(composeText, { merge: true }) as ComposeFile;

/** The entry point of every missionflow process (the API and the workers). */
const entryPoint = ['node', 'dist/workers/run.js'];

/** Where each stateful image keeps its data: it must be a named volume. */
const dataDirectories: Record<string, string> = {
  postgres: '/var/lib/postgresql/data',
  redis: '/data',
  neo4j: '/data',
  'qdrant/qdrant': '/qdrant/storage',
  'minio/minio': '/data',
};

/** What missionflow's processes read from the environment in the services profile. */
const requiredAppEnvironment = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'DATABASE_URL',
  'DATABASE_MIGRATION_URL',
  'REDIS_URL',
  'NEO4J_URL',
  'NEO4J_USER',
  'NEO4J_PASSWORD',
  'QDRANT_URL',
  'S3_ENDPOINT',
  'S3_BUCKET',
  'S3_REGION',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'LOG_LEVEL',
];

// ------------------------------------------------------------------------------ the schema

/**
 * compose-spec.json from the compose-spec project, as the dclint package ships it (its
 * `update-compose-schema` script downloads the file unchanged). dclint's `exports` map does not
 * expose the file, so it is read from the package's folder.
 */
function composeSpecSchema(): Record<string, unknown> {
  const packageDir = dirname(require.resolve('dclint/package.json'));
  return JSON.parse(readFileSync(join(packageDir, 'schemas', 'compose.schema.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}

function schemaValidator(): ValidateFunction {
  // allowUnionTypes: the spec uses `type: [a, b]`. strictTypes off: the spec leaves `type: object`
  // implicit beside some object keywords; both are about how the schema is written, not the file.
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
  addFormats(ajv);
  // The spec names draft-07 https://json-schema.org/draft-07/schema; Ajv knows the same meta-schema
  // by its canonical id.
  return ajv.compile({ ...composeSpecSchema(), $schema: 'http://json-schema.org/draft-07/schema#' });
}

// ------------------------------------------------------------------------------ interpolation

interface VariableUse {
  name: string;
  defaultValue: string | undefined;
  operator: string | undefined;
  at: string;
}

/**
 * Compose's interpolation with an empty environment: `${VAR:-default}` becomes its default, `$$` a
 * literal `$`. Records every variable used, so the rules can require development defaults.
 */
function interpolate(value: string, at: string, uses: VariableUse[]): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced?: string, operator?: string, argument?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = braced ?? bare ?? '';
      const defaultValue = operator === ':-' || operator === '-' ? argument : undefined;
      uses.push({ name, defaultValue, operator: bare ? '(bare)' : operator, at });
      return defaultValue ?? '';
    },
  );
}

function interpolateAll<T>(node: T, at: string, uses: VariableUse[]): T {
  if (typeof node === 'string') return interpolate(node, at, uses) as T;
  if (Array.isArray(node))
    return node.map((item, index) => interpolateAll(item, `${at}[${index}]`, uses)) as T;
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, interpolateAll(value, `${at}.${key}`, uses)]),
    ) as T;
  }
  return node;
}

// ------------------------------------------------------------------------------ the project's rules

const asArray = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : value.split(/\s+/);

function dependencies(service: Service): Array<[string, Dependency]> {
  const dependsOn = service.depends_on ?? {};
  // The short (list) form means `service_started`, which waits for nothing.
  return Array.isArray(dependsOn) ? dependsOn.map((name) => [name, {}]) : Object.entries(dependsOn);
}

/** Services something waits for with `service_completed_successfully`: set-up jobs that exit. */
function oneShotJobs(compose: ComposeFile): Set<string> {
  const jobs = new Set<string>();
  for (const service of Object.values(compose.services)) {
    for (const [target, dependency] of dependencies(service)) {
      if (dependency.condition === 'service_completed_successfully') jobs.add(target);
    }
  }
  return jobs;
}

function environmentOf(service: Service): Record<string, string> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((entry) => [entry.split('=')[0] ?? '', entry.split('=').slice(1).join('=')]),
    );
  }
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value ?? '')]));
}

/** The run.js arguments of a missionflow process (`api`, `workflows`, `lane standard`), or null. */
function missionflowRole(service: Service): string[] | null {
  const command = asArray(service.command);
  return entryPoint.every((part, index) => command[index] === part) ? command.slice(entryPoint.length) : null;
}

function parseImage(reference: string): { repository: string; tag: string | undefined; digest: boolean } {
  const [name = '', digest] = reference.split('@');
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  return {
    repository: colon < 0 ? name : name.slice(0, colon),
    tag: colon < 0 ? undefined : name.slice(colon + 1),
    digest: digest !== undefined,
  };
}

function mountsOf(service: Service): Array<{ kind: 'volume' | 'bind'; source: string; target: string }> {
  return (service.volumes ?? []).map((mount) => {
    if (typeof mount === 'string') {
      const [source = '', target = ''] = mount.split(':');
      const kind = /^[./~]/.test(source) ? 'bind' : 'volume';
      return { kind, source, target };
    }
    return {
      kind: mount.type === 'bind' ? 'bind' : 'volume',
      source: mount.source ?? '',
      target: mount.target ?? '',
    };
  });
}

function urlHost(value: string): string {
  return value.includes('://') ? new URL(value).hostname : (value.split(':')[0] ?? '');
}

/**
 * Every way the (interpolated) compose file breaks the project's rules, as readable sentences; an
 * empty list means it keeps them all. `uses` are the variables the raw file referred to.
 */
function ruleViolations(compose: ComposeFile, uses: VariableUse[]): string[] {
  const problems: string[] = [];
  const services = compose.services;
  const declaredVolumes = new Set(Object.keys(compose.volumes ?? {}));
  const usedVolumes = new Set<string>();
  const jobs = oneShotJobs(compose);

  for (const [name, service] of Object.entries(services)) {
    // Pinned images: an explicit tag that is not `latest`; third-party images to a version.
    if (!service.image) {
      problems.push(`${name}: names no image (built images need a tag too)`);
    } else {
      const image = parseImage(service.image);
      if (!image.digest && (!image.tag || image.tag === 'latest')) {
        problems.push(`${name}: image ${service.image} is not pinned to a tag other than latest`);
      } else if (!service.build && !image.digest && !/\d/.test(image.tag ?? '')) {
        problems.push(`${name}: image ${service.image} has a moving tag, not a version`);
      }
    }

    // Health: every long-running service has a real check; set-up jobs exit and are not restarted.
    if (jobs.has(name)) {
      if (service.restart && !/^(no|on-failure(:\d+)?)$/.test(service.restart)) {
        problems.push(`${name}: a one-shot job with restart ${service.restart} would run forever`);
      }
    } else {
      const test = asArray(service.healthcheck?.test);
      if (!service.healthcheck || service.healthcheck.disable || test.length === 0 || test[0] === 'NONE') {
        problems.push(`${name}: long-running service without a health check`);
      }
    }

    for (const [target, dependency] of dependencies(service)) {
      const dependedOn = services[target];
      if (!dependedOn) {
        problems.push(`${name}: depends on ${target}, which is not a service`);
      } else if (jobs.has(target)) {
        if (dependency.condition !== 'service_completed_successfully') {
          problems.push(`${name}: waits for job ${target} with ${dependency.condition ?? 'service_started'}`);
        }
      } else if (dependency.condition !== 'service_healthy') {
        problems.push(
          `${name}: depends on ${target} with ${dependency.condition ?? 'service_started'}, not service_healthy`,
        );
      }
    }

    for (const mount of mountsOf(service)) {
      if (mount.kind === 'volume') {
        usedVolumes.add(mount.source);
        if (!mount.source)
          problems.push(`${name}: anonymous volume at ${mount.target}; state needs a named volume`);
        else if (!declaredVolumes.has(mount.source)) {
          problems.push(`${name}: volume ${mount.source} is not declared under volumes`);
        }
      } else if (!existsSync(join(repoRoot, mount.source))) {
        problems.push(`${name}: bind-mounts ${mount.source}, which does not exist`);
      }
    }
    const dataDirectory = service.image ? dataDirectories[parseImage(service.image).repository] : undefined;
    if (
      dataDirectory &&
      !mountsOf(service).some(
        (mount) => mount.kind === 'volume' && mount.source && mount.target === dataDirectory,
      )
    ) {
      problems.push(`${name}: its state (${dataDirectory}) is not on a named volume`);
    }

    if (service.network_mode === 'host') problems.push(`${name}: uses network_mode: host`);
    if (service.privileged) problems.push(`${name}: runs privileged`);
    if (service.pid === 'host') problems.push(`${name}: shares the host's process namespace`);
  }
  for (const volume of declaredVolumes) {
    if (!usedVolumes.has(volume)) problems.push(`volume ${volume} is declared but no service uses it`);
  }

  // missionflow's processes: one API, the workflow worker, the embedding worker, a worker for every
  // known lane and no other.
  const roles = Object.entries(services)
    .map(([name, service]) => ({ name, service, role: missionflowRole(service) }))
    .filter((entry): entry is { name: string; service: Service; role: string[] } => entry.role !== null);
  const count = (wanted: string) => roles.filter(({ role }) => role.join(' ') === wanted).length;
  if (count('api') !== 1) problems.push(`${count('api')} services run the API; expected 1`);
  if (count('workflows') < 1) problems.push('no service runs the workflow worker');
  if (count('embed') < 1) problems.push('no service runs the embedding worker');
  for (const lane of knownLanes) {
    if (count(`lane ${lane}`) < 1) problems.push(`no worker for lane ${lane}`);
  }
  for (const { name, role } of roles) {
    const [kind, lane] = role;
    if (kind === 'lane' && !(knownLanes as readonly string[]).includes(lane ?? '')) {
      problems.push(`${name}: a worker for lane ${lane}, which domain/lanes.ts does not know`);
    } else if (kind !== 'api' && kind !== 'workflows' && kind !== 'embed' && kind !== 'lane') {
      problems.push(`${name}: runs run.js ${role.join(' ')}, which is no process missionflow has`);
    }
  }
  const builtImages = new Set(roles.map(({ service }) => service.image));
  if (builtImages.size > 1)
    problems.push(`missionflow's processes run different images: ${[...builtImages].join(', ')}`);
  for (const { name, service } of roles) {
    const build = typeof service.build === 'string' ? { context: service.build } : service.build;
    if (!build || (build.dockerfile ?? 'Dockerfile') !== 'Dockerfile' || build.context !== '.') {
      problems.push(`${name}: not built from the repository's Dockerfile`);
    }
    const environment = environmentOf(service);
    for (const key of requiredAppEnvironment) {
      if (!environment[key]) problems.push(`${name}: ${key} is not set`);
    }
    const user = (key: string) =>
      environment[key] ? decodeURIComponent(new URL(environment[key]).username) : '';
    if (environment.DATABASE_URL && user('DATABASE_URL') !== 'missionflow_app') {
      problems.push(`${name}: DATABASE_URL must connect as missionflow_app, not ${user('DATABASE_URL')}`);
    }
    if (environment.DATABASE_MIGRATION_URL && user('DATABASE_MIGRATION_URL') !== 'missionflow_owner') {
      problems.push(`${name}: DATABASE_MIGRATION_URL must connect as missionflow_owner`);
    }
    for (const key of [
      'TEMPORAL_ADDRESS',
      'DATABASE_URL',
      'REDIS_URL',
      'NEO4J_URL',
      'QDRANT_URL',
      'S3_ENDPOINT',
    ]) {
      const host = environment[key] ? urlHost(environment[key]) : '';
      if (host && !services[host]) problems.push(`${name}: ${key} points at ${host}, which is not a service`);
    }
  }

  // Variables: each has a development default (a fresh clone starts without a .env), the same one
  // wherever it is used; a bare `$name` is a shell variable Compose would have eaten (write `$$name`).
  const defaults = new Map<string, Set<string>>();
  for (const use of uses) {
    if (use.operator === '(bare)') {
      problems.push(`${use.at}: $${use.name} is interpolated by Compose; write $$${use.name} for the shell`);
    } else if (use.defaultValue === undefined || use.defaultValue === '') {
      problems.push(`${use.at}: \${${use.name}} has no development default (\${${use.name}:-...})`);
    } else {
      defaults.set(use.name, (defaults.get(use.name) ?? new Set()).add(use.defaultValue));
    }
  }
  for (const [name, values] of defaults) {
    if (values.size > 1) problems.push(`${name} has different defaults: ${[...values].join(', ')}`);
  }
  return problems;
}

/** The raw file → its interpolated form and the project's rule violations. */
function check(raw: ComposeFile): string[] {
  const uses: VariableUse[] = [];
  const compose = interpolateAll(raw, 'compose', uses);
  return ruleViolations(compose, uses);
}

// ------------------------------------------------------------------------------ the tests

describe('docker-compose.yml (services profile)', () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    validate = schemaValidator();
  });

  it("is checked against the Compose specification's own schema", () => {
    const schema = composeSpecSchema();
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft-07/schema',
      $id: 'compose_spec.json',
      title: 'Compose Specification',
    });
    // A current edition of the spec, not a stale copy: it knows recent service keys.
    expect(
      Object.keys((schema.definitions as { service: { properties: object } }).service.properties),
    ).toEqual(expect.arrayContaining(['develop', 'post_start', 'pre_stop', 'models']));
  });

  it('is valid against the Compose specification', () => {
    const valid = validate(loadCompose());
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it("keeps the project's rules", () => {
    expect(check(loadCompose())).toEqual([]);
  });

  it('runs the services the profile needs', () => {
    const images = Object.values(loadCompose().services).map(
      (service) => parseImage(service.image ?? '').repository,
    );
    for (const image of [
      'postgres',
      'redis',
      'neo4j',
      'qdrant/qdrant',
      'minio/minio',
      'minio/mc',
      'temporalio/server',
      'temporalio/admin-tools',
      'temporalio/ui',
    ]) {
      expect(images).toContain(image);
    }
    expect(loadCompose().services.neo4j?.image).toMatch(/^neo4j:5\.26(\.\d+)?-community$/);
  });

  describe('the checks catch what they are for', () => {
    // Each case breaks one thing in a copy of the real file; the schema or a rule must object.
    const broken = (change: (compose: ComposeFile) => void): ComposeFile => {
      const compose = loadCompose();
      change(compose);
      return compose;
    };
    const service = (compose: ComposeFile, name: string): Service => {
      const found = compose.services[name];
      if (!found) throw new Error(`no service ${name}`);
      return found;
    };

    it('the schema refuses what Compose would refuse', () => {
      const unknownKey = broken((compose) => Object.assign(service(compose, 'api'), { helthcheck: {} }));
      expect(validate(unknownKey)).toBe(false);
      const wrongType = broken((compose) => {
        service(compose, 'redis').depends_on = { minio: { condition: 'service_happy' } };
      });
      expect(validate(wrongType)).toBe(false);
    });

    const appEnvironment = (compose: ComposeFile, name: string) =>
      service(compose, name).environment as Record<string, string>;

    it.each<[string, (compose: ComposeFile) => void, RegExp]>([
      [
        'an unpinned image',
        (c) => {
          service(c, 'qdrant').image = 'qdrant/qdrant';
        },
        /qdrant: image qdrant\/qdrant is not pinned/,
      ],
      [
        'a latest tag',
        (c) => {
          service(c, 'redis').image = 'redis:latest';
        },
        /redis: image redis:latest is not pinned/,
      ],
      [
        'a moving tag',
        (c) => {
          service(c, 'redis').image = 'redis:alpine';
        },
        /redis: image redis:alpine has a moving tag/,
      ],
      [
        'a missing health check',
        (c) => {
          delete service(c, 'neo4j').healthcheck;
        },
        /neo4j: long-running service without a health check/,
      ],
      [
        'a disabled worker health check',
        (c) => {
          service(c, 'worker-lane-standard').healthcheck = { test: ['NONE'] };
        },
        /worker-lane-standard: long-running service without a health check/,
      ],
      [
        'a dependency on a missing service',
        (c) => {
          service(c, 'api').depends_on = { postgress: { condition: 'service_healthy' } };
        },
        /api: depends on postgress, which is not a service/,
      ],
      [
        'a dependency that waits for nothing',
        (c) => {
          service(c, 'api').depends_on = ['postgres'];
        },
        /api: depends on postgres with service_started/,
      ],
      [
        'a set-up job that would restart forever',
        (c) => {
          service(c, 'minio-setup').restart = 'unless-stopped';
        },
        /minio-setup: a one-shot job with restart unless-stopped/,
      ],
      [
        'an undeclared volume',
        (c) => {
          service(c, 'qdrant').volumes = ['qdrant-storage:/qdrant/storage'];
        },
        /qdrant: volume qdrant-storage is not declared/,
      ],
      [
        'state outside a named volume',
        (c) => {
          service(c, 'postgres').volumes = [];
        },
        /postgres: its state \(\/var\/lib\/postgresql\/data\) is not on a named volume/,
      ],
      [
        'a bind mount of a missing file',
        (c) => {
          service(c, 'minio-setup').volumes = ['./deploy/compose/minio/nope.sh:/setup/minio-setup.sh:ro'];
        },
        /minio-setup: bind-mounts .*nope\.sh, which does not exist/,
      ],
      [
        'host networking',
        (c) => {
          service(c, 'api').network_mode = 'host';
        },
        /api: uses network_mode: host/,
      ],
      [
        'a known lane without a worker',
        (c) => {
          delete c.services['worker-lane-standard'];
        },
        /no worker for lane standard/,
      ],
      [
        'a worker for an unknown lane',
        (c) => {
          c.services['worker-lane-turbo'] = {
            ...service(c, 'worker-lane-standard'),
            command: [...entryPoint, 'lane', 'turbo'],
          };
        },
        /worker-lane-turbo: a worker for lane turbo, which domain\/lanes.ts does not know/,
      ],
      [
        'the application connecting as the schema owner',
        (c) => {
          appEnvironment(c, 'api').DATABASE_URL = 'postgres://missionflow_owner:x@postgres:5432/missionflow';
        },
        /api: DATABASE_URL must connect as missionflow_app/,
      ],
      [
        'a missing setting',
        (c) => {
          delete appEnvironment(c, 'worker-workflows').S3_BUCKET;
        },
        /worker-workflows: S3_BUCKET is not set/,
      ],
      [
        'a store address that is no service',
        (c) => {
          appEnvironment(c, 'api').QDRANT_URL = 'http://vectors:6333';
        },
        /api: QDRANT_URL points at vectors, which is not a service/,
      ],
      [
        'a variable without a default',
        (c) => {
          service(c, 'temporal').environment = { POSTGRES_PWD: '${TEMPORAL_DB_PASSWORD}' };
        },
        /\$\{TEMPORAL_DB_PASSWORD\} has no development default/,
      ],
      [
        'one variable with two defaults',
        (c) => {
          service(c, 'temporal').environment = { POSTGRES_PWD: '${TEMPORAL_DB_PASSWORD:-other}' };
        },
        /TEMPORAL_DB_PASSWORD has different defaults/,
      ],
      [
        'a shell variable Compose would interpolate',
        (c) => {
          service(c, 'neo4j').healthcheck = { test: ['CMD-SHELL', 'cypher-shell -p $NEO4J_AUTH'] };
        },
        /\$NEO4J_AUTH is interpolated by Compose/,
      ],
    ])('%s', (_what, change, expected) => {
      const problems = check(broken(change));
      expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
    });
  });
});

describe('the files docker-compose.yml uses', () => {
  const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

  it('creates an owner role and an application role that row-level security holds for', () => {
    const script = read('deploy/compose/postgres/init-missionflow.sh');
    const role = (name: string) => {
      const statement = new RegExp(`CREATE ROLE ${name}\\b([^;]*);`).exec(script);
      expect(statement).not.toBeNull();
      return ` ${statement?.[1]?.replace(/\s+/g, ' ') ?? ''} `;
    };
    for (const name of ['missionflow_owner', 'missionflow_app']) {
      const attributes = role(name);
      expect(attributes).toContain(' LOGIN ');
      expect(attributes).toContain(' NOSUPERUSER ');
      expect(attributes).toContain(' NOBYPASSRLS ');
      expect(attributes).not.toMatch(/ (SUPERUSER|BYPASSRLS) /);
    }
    expect(script).toMatch(/CREATE DATABASE missionflow OWNER missionflow_owner;/);
    // The application role is given the right to connect and nothing else: migrations grant the rest.
    expect(script.match(/^GRANT .*$/gm)).toEqual([
      'GRANT CONNECT ON DATABASE missionflow TO missionflow_app;',
    ]);
  });

  it("registers every search attribute missionflow's workflows set", () => {
    const script = read('deploy/compose/temporal/temporal-namespace.sh');
    const listed = /^search_attributes="([^"]*)"$/m.exec(script)?.[1]?.split(/\s+/) ?? [];
    expect(listed.sort()).toEqual(customSearchAttributes.map((key) => key.name).sort());
  });

  it('gives Temporal a well-formed dynamic config', () => {
    const config = parse(read('deploy/compose/temporal/dynamicconfig.yaml')) as Record<string, unknown>;
    expect(Object.keys(config).length).toBeGreaterThan(0);
    for (const [key, values] of Object.entries(config)) {
      expect([key, Array.isArray(values)]).toEqual([key, true]);
      for (const entry of values as Array<Record<string, unknown>>) {
        expect(Object.keys(entry).every((field) => field === 'value' || field === 'constraints')).toBe(true);
        expect(entry).toHaveProperty('value');
      }
    }
  });

  it('builds one image from pinned bases that runs as an unprivileged user', () => {
    const dockerfile = read('Dockerfile');
    const bases = [...dockerfile.matchAll(/^ARG NODE_IMAGE=(\S+)$/gm)].map((match) => match[1]);
    expect(bases).toEqual([expect.stringMatching(/^node:24\.\d+\.\d+-bookworm-slim$/)]);
    for (const [, image] of dockerfile.matchAll(/^FROM (\S+)/gm)) expect(image).toBe('${NODE_IMAGE}');
    expect(dockerfile).toMatch(/\bnpm ci\b/);
    expect(dockerfile).toMatch(/\bnpm run build\b/);
    const users = [...dockerfile.matchAll(/^USER (\S+)$/gm)].map((match) => match[1]);
    expect(users.at(-1)).toBe('node');
    // The worker health check the compose file runs is in the image.
    expect(dockerfile).toContain('deploy/compose/worker-healthcheck.js');
    expect(read('.dockerignore')).toMatch(/^!deploy\/compose\/worker-healthcheck\.js$/m);
  });
});

describe('the worker health check', () => {
  const script = join(repoRoot, 'deploy', 'compose', 'worker-healthcheck.js');
  const run = promisify(execFile);
  const healthCheck = (args: string[], env: Record<string, string>) =>
    run(process.execPath, [script, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }).then(
      ({ stdout }) => ({ code: 0, output: stdout }),
      (error: { code?: number; stderr?: string }) => ({ code: error.code ?? -1, output: error.stderr ?? '' }),
    );

  it('derives the task queues the workers poll', async () => {
    const targetFor = async (...args: string[]) =>
      JSON.parse(
        (await healthCheck(['--target-for', ...args], { TASK_QUEUE_PREFIX: 'mf' })).output,
      ) as unknown;
    expect(await targetFor('workflows')).toEqual({ taskQueue: workflowTaskQueue('mf'), type: 'workflow' });
    for (const lane of knownLanes) {
      expect(await targetFor('lane', lane)).toEqual({
        taskQueue: laneTaskQueue(lane, 'mf'),
        type: 'activity',
      });
    }
    expect(await targetFor('api')).toBeNull();
  });

  describe('against a real Temporal server', () => {
    // A stand-in process whose command line is a lane worker's, and a real worker (this process,
    // same host) polling that lane's queue: what the check sees inside a worker container.
    const lane = `healthcheck-${process.pid}-${Date.now()}`;
    let connection: NativeConnection;
    let worker: Worker;
    let running: Promise<void>;
    const standIns: ChildProcess[] = [];
    const standIn = (...args: string[]) => {
      const child = spawn(
        process.execPath,
        ['-e', 'setInterval(() => {}, 1000)', ...entryPoint.slice(1), ...args],
        {
          stdio: 'ignore',
        },
      );
      standIns.push(child);
      return child.pid ?? -1;
    };
    const env = () => ({ TEMPORAL_ADDRESS: testEnv.temporalAddress, TEMPORAL_NAMESPACE: 'default' });

    beforeAll(async () => {
      // The SDK's worker lifecycle log would only bury the output; failures are asserted below.
      try {
        Runtime.install({ logger: new DefaultLogger('ERROR') });
      } catch {
        // already installed in this Jest worker process
      }
      connection = await NativeConnection.connect({ address: testEnv.temporalAddress });
      worker = await Worker.create({
        connection,
        namespace: 'default',
        taskQueue: laneTaskQueue(lane, 'missionflow'),
        activities: { noop: async () => undefined },
      });
      running = worker.run();
    });

    afterAll(async () => {
      for (const child of standIns) child.kill();
      worker?.shutdown();
      await running;
      await connection?.close();
    });

    it('is healthy while the worker polls its queue', async () => {
      const pid = standIn('lane', lane);
      // The worker's first poll reaches the server a moment after it starts.
      let result = await healthCheck(['--pid', String(pid)], env());
      for (let attempt = 0; attempt < 20 && result.code !== 0; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        result = await healthCheck(['--pid', String(pid)], env());
      }
      expect(result).toEqual({
        code: 0,
        output: expect.stringContaining(laneTaskQueue(lane, 'missionflow')),
      });
    });

    it('is unhealthy when nothing polls the queue', async () => {
      const pid = standIn('lane', `${lane}-nobody`);
      const result = await healthCheck(['--pid', String(pid)], env());
      expect(result).toEqual({ code: 1, output: expect.stringContaining('no activity poll from this host') });
    });

    it('is unhealthy when no worker process runs', async () => {
      const result = await healthCheck(['--pid', '999999999'], env());
      expect(result).toEqual({ code: 1, output: expect.stringContaining('no worker process') });
    });
  });
});
