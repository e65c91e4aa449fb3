import { isKnownLane, knownLanes } from '../domain/lanes';
import { prepareProcess, runUntilSignalled } from './lifecycle';
import { startPlatform, type Platform, type PlatformRoles } from './platform';

const usage = 'usage: node dist/workers/run.js api | workflows | lane <lane> | embed';

/**
 * One process of the services profile, for one role: the HTTP API, the workflow worker, the
 * embedding worker, or the activity worker of one lane (each lane a task queue, so lanes scale and fail independently).
 * Needs TEMPORAL_ADDRESS and a shared database (DATABASE_URL): PGlite belongs to one process.
 */
export function rolesFromArguments(args: readonly string[]): PlatformRoles {
  const [role, lane] = args;
  const none = { api: false, workflowWorker: false, lanes: [], embedding: false };
  if (role === 'api' && args.length === 1) return { ...none, api: true };
  if (role === 'workflows' && args.length === 1) return { ...none, workflowWorker: true };
  if (role === 'embed' && args.length === 1) return { ...none, embedding: true };
  if (role === 'lane' && args.length === 2 && lane !== undefined) {
    if (!isKnownLane(lane)) {
      throw new Error(`unknown lane '${lane}'; known lanes: ${knownLanes.join(', ')}`);
    }
    return { ...none, lanes: [lane] };
  }
  throw new Error(usage);
}

function main(): void {
  let roles: PlatformRoles;
  try {
    roles = rolesFromArguments(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`missionflow: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const { config, logger } = prepareProcess();
  const temporalAddress = config.TEMPORAL_ADDRESS;
  if (!temporalAddress || !config.DATABASE_URL) {
    process.stderr.write('missionflow: a role process needs TEMPORAL_ADDRESS and DATABASE_URL\n');
    process.exit(2);
  }
  let platform: Platform | null = null;
  void runUntilSignalled(logger, {
    async start() {
      platform = await startPlatform({ config, temporalAddress, logger, roles });
      logger.info({ roles, apiPort: platform.apiPort }, 'missionflow process ready');
    },
    stop: async () => platform?.stop(),
  });
}

if (require.main === module) main();
