import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  TestWorkflowEnvironment,
  type TimeSkippingTestWorkflowEnvironmentOptions,
} from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { customSearchAttributes } from '../../domain/search-attributes';
import { mavenClasspath, writeAtomically } from './services/maven';
import { ensureDebianPackages, userCacheDir, which, type Say } from './services/service';

/**
 * Temporal's time-skipping test server for workflow tests that wait for days.
 *
 * `TestWorkflowEnvironment.createTimeSkipping()` normally downloads a native build of the test server
 * from temporal.download, which this machine (and CI) cannot reach: only package registries are open.
 * The same server is published on Maven Central as a plain Java program, so we resolve it with Maven
 * (once per machine, into ~/.m2) and hand the SDK a small shell wrapper that starts it on the JDK.
 *
 * The SDK runs the wrapper as `<wrapper> <port>` (plus any `extraArgs`), polls 127.0.0.1:<port> with a
 * gRPC client every 100 ms for 5 s, and on teardown kills the process it started. Two consequences:
 * the wrapper must `exec` the JVM (a killed shell would otherwise leave the JVM running and holding
 * the SDK's output pipes, so teardown would hang), and the JVM must start quickly (small heap, C1 only).
 */

/**
 * The newest release on Maven Central when this was written; its classes target Java 8, so the JDK 17
 * the tests already use for Neo4j runs it. Pinned: Maven never looks anything up for a fixed version.
 */
export const testServerVersion = '1.38.0';

/** The class named in the jar's manifest; its `main` takes `<port> [--enable-time-skipping]`. */
export const testServerMainClass = 'io.temporal.testserver.TestServer';

/**
 * The server keeps every history in memory and tests make few, so a small heap is plenty. C1 only and
 * the serial collector make the JVM start in well under a second on two cores, far inside the SDK's
 * 5-second start-up deadline. slf4j-simple at WARN keeps the server quiet but lets its problems show
 * (without a binding, slf4j prints a three-line complaint on every start).
 */
const jvmArgs = [
  '-Xms32m',
  '-Xmx256m',
  '-Xss512k',
  '-XX:TieredStopAtLevel=1',
  '-XX:+UseSerialGC',
  '-XX:+ExitOnOutOfMemoryError',
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
];

/** Logging binding for the server's slf4j 1.7 API (the version its own dependencies bring). */
const slf4jSimpleVersion = '1.7.36';

/** How often to try a start: the SDK picks a free port before the JVM binds it, so another process can win. */
const startAttempts = 3;

const defaultSay: Say = (message) => process.stderr.write(`[time-skipping] ${message}\n`);

export type TimeSkippingEnvironmentOptions = Omit<TimeSkippingTestWorkflowEnvironmentOptions, 'server'> & {
  /** Progress messages (only the first run on a machine has any); stderr by default. */
  say?: Say;
  /** Passed to the server after the port; the only flag it knows is `--enable-time-skipping`. */
  extraArgs?: string[];
};

/**
 * Starts a time-skipping test environment on the Maven-resolved Java test server. Call `teardown()`
 * when done. Time skipping starts locked, as with the SDK's own server: it runs while the environment's
 * client waits for a workflow result or during `env.sleep()`.
 *
 * First run on a machine: Maven downloads 39 jars (about 40 MB) in a few seconds (5 s measured);
 * later runs, and other clones, reuse the classpath and wrapper under the missionflow user cache.
 */
export async function createTimeSkippingEnvironment(
  options: TimeSkippingEnvironmentOptions = {},
): Promise<TestWorkflowEnvironment> {
  const { say = defaultSay, extraArgs = [], ...rest } = options;
  const path = await timeSkippingServerExecutable(say);
  let lastError: unknown;
  for (let attempt = 1; attempt <= startAttempts; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        ...rest,
        server: { executable: { type: 'existing-path', path }, extraArgs },
      });
    } catch (error) {
      lastError = error;
      if (attempt < startAttempts) say(`test server did not start (${(error as Error).message}); retrying`);
    }
  }
  throw new Error(
    `the time-skipping test server (${path}) did not start after ${startAttempts} attempts: ${(lastError as Error).message}`,
  );
}

/**
 * Registers missionflow's search attributes (the dev server gets them at start; this server knows
 * only those it is told), so runs that upsert them work and `describe()` shows them.
 */
export async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      customSearchAttributes.map((key) => [
        key.name,
        temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      ]),
    ),
  });
}

let prepared: Promise<string> | undefined;

/**
 * The path of the wrapper script that runs the test server, creating it (and resolving the server
 * with Maven) if this machine has no usable one yet. Memoised per process; a failure is not, so a
 * later call tries again.
 */
export function timeSkippingServerExecutable(say: Say = defaultSay): Promise<string> {
  prepared ??= prepareExecutable(say).catch((error: unknown) => {
    prepared = undefined;
    throw error;
  });
  return prepared;
}

async function prepareExecutable(say: Say): Promise<string> {
  await ensureDebianPackages(
    [
      { binary: 'java', packageName: 'openjdk-17-jre-headless' },
      { binary: 'mvn', packageName: 'maven' },
    ],
    say,
  );
  const java = await which('java');
  if (!java) throw new Error('java (JDK 17) is needed to run the time-skipping test server');
  const cacheDir = userCacheDir('temporal-test-server', testServerVersion);
  await mkdir(cacheDir, { recursive: true });
  const classpath = await mavenClasspath({
    cacheDir,
    name: 'temporal-test-server',
    artifacts: [
      { groupId: 'io.temporal', artifactId: 'temporal-test-server', version: testServerVersion },
      // The server's own slf4j version: it logs at WARN instead of a "no logger" notice per start.
      { groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: slf4jSimpleVersion },
    ],
    say,
    expectation: 'once per machine',
  });

  // The wrapper is rewritten whenever its text would change (another java, new flags, a re-resolved
  // classpath), so editing jvmArgs above takes effect on the next run without clearing the cache.
  const wrapper = join(cacheDir, 'temporal-test-server');
  const script = wrapperScript(java, classpath);
  const current = await readFile(wrapper, 'utf8').catch(() => '');
  if (current !== script) await writeAtomically(wrapper, script, 0o755);
  return wrapper;
}

/** `exec` so the process the SDK starts, and later kills, is the JVM itself. */
function wrapperScript(java: string, classpath: string): string {
  const command = [java, ...jvmArgs, '-cp', classpath, testServerMainClass].map(shellQuote).join(' ');
  return `#!/bin/sh
# Written by missionflow's test/support/time-skipping.ts: Temporal's time-skipping test server
# ${testServerVersion} from Maven Central, run on the JDK. Usage: $0 <port> [--enable-time-skipping]
exec ${command} "$@"
`;
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
