import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import neo4j from 'neo4j-driver';
import {
  ensureDebianPackages,
  freePort,
  run,
  spawnLogged,
  stopProcess,
  userCacheDir,
  which,
  type RunningService,
  type Say,
} from './service';
import { exists, mavenClasspath } from './maven';

/** The LTS release DESIGN.md names; community edition, from Maven Central. */
export const neo4jVersion = '5.26.0';

const launcherSource = join(__dirname, 'neo4j', 'Neo4jLauncher.java');
const launcherClass = 'Neo4jLauncher';
const user = 'neo4j';

/**
 * JVM settings for a shared 2-core machine. C1 only (`TieredStopAtLevel=1`): the kernel loads
 * thousands of classes at start and the tests run small queries, so skipping C2 roughly halves the
 * start-up time and costs nothing measurable in the tests. `java.nio` is opened for the page cache's
 * direct buffers (Neo4j warns and falls back otherwise).
 */
const jvmArgs = [
  '-Xms128m',
  '-Xmx512m',
  '-XX:TieredStopAtLevel=1',
  '-XX:+ExitOnOutOfMemoryError',
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
];

/**
 * Starts a Neo4j community kernel on loopback with its files in `dataDir`: Bolt only, on a free port,
 * with authentication on and a password generated for this start (the launcher sets it on the system
 * database before it reports ready, so clients authenticate exactly as against a production server).
 *
 * First run on a machine: Maven resolves `org.neo4j:neo4j` into the user's Maven repository (about
 * 1.5 minutes) and `javac` compiles the launcher into the missionflow user cache; both are reused by
 * every later run and every clone. The kernel's own logs are under `<dataDir>/logs/`.
 */
export async function startNeo4j(options: {
  dataDir: string;
  logFile: string;
  say: Say;
}): Promise<RunningService & { user: string; password: string }> {
  const { dataDir, logFile, say } = options;
  const { java, classpath } = await prepareLauncher(say);
  await mkdir(dataDir, { recursive: true });
  const password = randomBytes(18).toString('base64url');

  // freePort only finds a port that was free a moment ago: if another process takes it first, the
  // launcher exits at once, so try a few ports.
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const url = `bolt://127.0.0.1:${port}`;
    const logOffset = await sizeOf(logFile);
    const child = spawnLogged(java, [...jvmArgs, '-cp', classpath, launcherClass, dataDir, String(port)], {
      logFile,
      env: { ...process.env, MF_NEO4J_PASSWORD: password },
    });
    try {
      await waitForReadyLine(logFile, logOffset, child, 180_000);
      await waitForBolt(url, password, 30_000);
    } catch (error) {
      lastError = error;
      const exited = child.exitCode !== null || child.signalCode !== null;
      await stopProcess(child, 5_000);
      // Only an early exit looks like a taken port; a kernel that is merely slow gets no second try.
      if (!exited) break;
      say(`Neo4j on port ${port} did not start (${(error as Error).message}); see ${logFile}`);
      continue;
    }
    return {
      name: 'neo4j',
      url,
      user,
      password,
      // The shutdown hook checkpoints and closes the stores; that takes a second or two.
      stop: () => stopProcess(child, 30_000),
    };
  }
  throw new Error(
    `Neo4j did not start: ${(lastError as Error).message}; see ${logFile} and ${join(dataDir, 'logs')}`,
  );
}

/**
 * The Java and classpath to run the launcher with: Neo4j's classpath from Maven (resolved once, kept
 * in the user cache) and the launcher compiled into a folder named by the hash of its source and of
 * that classpath, so an edited launcher is recompiled and an unchanged one never is.
 */
async function prepareLauncher(say: Say): Promise<{ java: string; classpath: string }> {
  await ensureDebianPackages(
    [
      { binary: 'java', packageName: 'openjdk-17-jre-headless' },
      { binary: 'javac', packageName: 'openjdk-17-jdk-headless' },
      { binary: 'mvn', packageName: 'maven' },
    ],
    say,
  );
  const [java, javac] = await Promise.all([which('java'), which('javac')]);
  if (!java || !javac) throw new Error('java and javac (JDK 17) are needed to run Neo4j in the tests');
  const cacheDir = userCacheDir('neo4j', neo4jVersion);
  await mkdir(cacheDir, { recursive: true });
  const neo4jClasspath = await mavenClasspath({
    cacheDir,
    name: 'neo4j',
    artifacts: [{ groupId: 'org.neo4j', artifactId: 'neo4j', version: neo4jVersion }],
    say,
    expectation: 'about 1.5 minutes the first time',
  });

  const source = await readFile(launcherSource);
  const hash = createHash('sha256').update(source).update('\0').update(neo4jClasspath).digest('hex');
  const classesDir = join(cacheDir, `launcher-${hash.slice(0, 16)}`);
  if (!(await exists(join(classesDir, `${launcherClass}.class`)))) {
    say('compiling the Neo4j launcher');
    // Compile beside the final folder and rename: a concurrent run never sees half a compilation.
    const scratch = await mkdtemp(join(cacheDir, 'launcher-tmp-'));
    try {
      await run(javac, ['-encoding', 'UTF-8', '-cp', neo4jClasspath, '-d', scratch, launcherSource]);
      await rename(scratch, classesDir).catch(async (error: NodeJS.ErrnoException) => {
        // Another run compiled the same source first: its result is identical.
        if (!(await exists(join(classesDir, `${launcherClass}.class`)))) throw error;
      });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    await removeStaleLaunchers(cacheDir, classesDir);
  }
  return { java, classpath: `${classesDir}:${neo4jClasspath}` };
}

async function removeStaleLaunchers(cacheDir: string, keep: string): Promise<void> {
  for (const name of await readdir(cacheDir)) {
    const path = join(cacheDir, name);
    if (name.startsWith('launcher-') && !name.startsWith('launcher-tmp-') && path !== keep) {
      await rm(path, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/**
 * The launcher prints READY once the password is set; Bolt listens a moment earlier, and a client
 * that logs in before then would fail (and three failures lock the user for a few seconds). Only
 * output after `offset` counts: the log file is shared with earlier starts.
 */
async function waitForReadyLine(
  logFile: string,
  offset: number,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the launcher exited (${child.exitCode ?? child.signalCode})`);
    }
    if ((await readFrom(logFile, offset)).includes('READY\n')) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the launcher did not report READY within ${timeoutMs / 1000} s`);
}

/** Ready means a real Bolt handshake and login, not merely an open port. */
async function waitForBolt(url: string, password: string, timeoutMs: number): Promise<void> {
  const driver = neo4j.driver(url, neo4j.auth.basic(user, password), { connectionTimeout: 5_000 });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await driver.verifyConnectivity();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await driver.close();
  }
}

async function readFrom(path: string, offset: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (stats) => stats.size,
    () => 0,
  );
}
