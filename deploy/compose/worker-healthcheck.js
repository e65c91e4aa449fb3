// @ts-check
/**
 * Health check for a missionflow Temporal worker container (`node dist/workers/run.js workflows` or
 * `... lane <lane>`). Workers serve no HTTP, and a process that merely exists proves nothing, so this
 * asks Temporal itself: has the worker in this container polled its task queue lately? A worker that
 * crashed, hangs, or lost its connection stops polling and turns unhealthy within a few minutes.
 *
 * It finds the worker among the container's processes (so one check serves every lane), derives the
 * task queue the way the workers name it (workers/ingest.ts, domain/lanes.ts), and looks for a poller
 * whose identity names this host: the Temporal SDK's default identity is `<pid>@<hostname>`.
 *
 *   node worker-healthcheck.js                       the check; exit 0 healthy, 1 not
 *   node worker-healthcheck.js --pid N               the check for one worker process only (outside a
 *                                                     container, where other workers may run)
 *   node worker-healthcheck.js --target-for ARGS...  print the task queue for run.js ARGS (for tests)
 *
 * Reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TASK_QUEUE_PREFIX like the workers do.
 */
'use strict';

const { readdirSync, readFileSync } = require('node:fs');
const { hostname } = require('node:os');
const { setTimeout } = require('node:timers');

const entryPoint = 'dist/workers/run.js';
// The server holds a poll for about a minute before answering "no task", and an idle worker polls
// again at once; a poller seen within this window is alive.
const staleAfterMs = 150_000;
const deadlineMs = 12_000;

/**
 * The task queue and poller type a worker started with these run.js arguments polls.
 * @param {string[]} args
 * @param {string} prefix
 * @returns {{ taskQueue: string, type: 'workflow' | 'activity' } | undefined}
 */
function targetFor(args, prefix) {
  const [role, lane] = args;
  if (role === 'workflows') return { taskQueue: `${prefix}-ingest`, type: 'workflow' };
  if (role === 'lane' && lane) return { taskQueue: `${prefix}-lane-${lane}`, type: 'activity' };
  return undefined;
}

/**
 * The run.js arguments of every worker process in this container (by /proc), or of one.
 * @param {number | undefined} onlyPid
 */
function workerProcesses(onlyPid) {
  /** @type {Array<{ pid: number, args: string[] }>} */
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    if (onlyPid !== undefined && Number(entry) !== onlyPid) continue;
    let argv;
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue; // exited meanwhile
    }
    const at = argv.findIndex((arg) => arg === entryPoint || arg.endsWith(`/${entryPoint}`));
    if (at >= 0 && targetFor(argv.slice(at + 1), 'x'))
      found.push({ pid: Number(entry), args: argv.slice(at + 1) });
  }
  return found;
}

/** @param {string} message */
function unhealthy(message) {
  process.stderr.write(`unhealthy: ${message}\n`);
  process.exit(1);
}

/** @param {number | undefined} onlyPid */
async function check(onlyPid) {
  const prefix = process.env.TASK_QUEUE_PREFIX || 'missionflow';
  const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) return unhealthy('TEMPORAL_ADDRESS is not set');
  const workers = workerProcesses(onlyPid);
  if (workers.length === 0)
    return unhealthy(`no worker process (node ${entryPoint} workflows|lane <lane>) runs here`);

  // Loaded only now: the --target-for mode must work without the runtime's node_modules.
  const { Connection } = require('@temporalio/client');
  const { temporal } = require('@temporalio/proto');
  const { optionalTsToMs } = require('@temporalio/common/lib/time');
  const { TaskQueueKind, TaskQueueType } = temporal.api.enums.v1;
  const me = `@${hostname()}`;
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  try {
    for (const worker of workers) {
      const target = /** @type {NonNullable<ReturnType<typeof targetFor>>} */ (
        targetFor(worker.args, prefix)
      );
      const response = await connection.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: target.taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType:
          target.type === 'workflow'
            ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
            : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      });
      const now = Date.now();
      const live = (response.pollers ?? []).filter((poller) => {
        const seenAt = optionalTsToMs(poller.lastAccessTime) ?? 0;
        return (poller.identity ?? '').endsWith(me) && now - seenAt < staleAfterMs;
      });
      if (live.length === 0) {
        return unhealthy(
          `Temporal has seen no ${target.type} poll from this host (${me.slice(1)}) on ${target.taskQueue} ` +
            `in namespace ${namespace} for ${staleAfterMs / 1000} s (worker pid ${worker.pid})`,
        );
      }
      process.stdout.write(`healthy: ${target.taskQueue} (${target.type}) polled by ${live[0]?.identity}\n`);
    }
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  if (process.argv[2] === '--target-for') {
    const target = targetFor(process.argv.slice(3), process.env.TASK_QUEUE_PREFIX || 'missionflow');
    process.stdout.write(`${JSON.stringify(target ?? null)}\n`);
  } else {
    // The container's health check has its own timeout; a clear message beats being killed.
    setTimeout(() => unhealthy(`no answer from Temporal within ${deadlineMs / 1000} s`), deadlineMs).unref();
    const pidAt = process.argv.indexOf('--pid');
    check(pidAt > 0 ? Number(process.argv[pidAt + 1]) : undefined).then(
      () => process.exit(0),
      (error) => unhealthy(error instanceof Error ? error.message : String(error)),
    );
  }
}

module.exports = { targetFor };
