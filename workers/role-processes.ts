import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { LaneName } from '../domain/lanes';
import type { Logger } from '../observability/logger';
import { stopChild } from '../temporal/dev-server';

export interface RoleProcesses {
  stop(): Promise<void>;
}

/**
 * With a shared database, `npm start` runs the workflow worker and each lane's worker as processes
 * of their own (dist/workers/run.js), as a deployment would: a lane that crashes or is stopped does
 * not take the API or another lane with it. A process that dies is started again after a pause.
 */
export function startRoleProcesses(options: {
  temporalAddress: string;
  logger: Logger;
  /** Lanes to run a worker process for (the LANES setting). */
  lanes: readonly LaneName[];
  env?: NodeJS.ProcessEnv;
}): RoleProcesses {
  const roles = [['workflows'], ['embed'], ...options.lanes.map((lane) => ['lane', lane])];
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const launch = (args: string[]) => {
    const name = args.join(' ');
    const child = spawn(process.execPath, [join(__dirname, 'run.js'), ...args], {
      env: { ...(options.env ?? process.env), TEMPORAL_ADDRESS: options.temporalAddress },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.set(name, child);
    child.once('exit', (code, signal) => {
      children.delete(name);
      if (stopping) return;
      options.logger.error(
        { role: name, code, signal },
        'a worker process stopped; starting it again in 2 s',
      );
      setTimeout(() => {
        if (!stopping) launch(args);
      }, 2_000).unref();
    });
    options.logger.info({ role: name, pid: child.pid }, 'worker process started');
  };
  roles.forEach(launch);
  return {
    async stop() {
      stopping = true;
      await Promise.all([...children.values()].map((child) => stopChild(child, 40_000)));
    },
  };
}
