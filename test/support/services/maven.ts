import { randomBytes } from 'node:crypto';
import { access, chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, which, type Say } from './service';

export interface MavenArtifact {
  groupId: string;
  artifactId: string;
  version: string;
}

/**
 * The runtime classpath of `artifacts` (with everything they depend on), for Java programs the
 * tests run from Maven Central: Neo4j, Temporal's time-skipping test server. A one-purpose POM in
 * `cacheDir` names the artifacts; `dependency:build-classpath` downloads what is missing into the
 * user's Maven repository and writes the list, which is kept in `classpath.txt` and reused while
 * every jar on it still exists. Safe when several processes resolve at once: each writes its own
 * output and renames it into place.
 */
export async function mavenClasspath(options: {
  cacheDir: string;
  /** Names the POM's own artifact, and the thing resolved in messages. */
  name: string;
  artifacts: readonly MavenArtifact[];
  say: Say;
  /** Said before a resolution, e.g. how long the first one takes. */
  expectation?: string;
}): Promise<string> {
  const { cacheDir, name, artifacts, say } = options;
  const classpathFile = join(cacheDir, 'classpath.txt');
  const cached = (await readFile(classpathFile, 'utf8').catch(() => '')).trim();
  if (cached && (await allExist(cached.split(':')))) return cached;

  const mvn = await which('mvn');
  if (!mvn) throw new Error(`Maven (mvn) is needed to resolve ${name} for the tests`);
  const coordinates = artifacts.map((a) => `${a.groupId}:${a.artifactId}:${a.version}`).join(', ');
  say(`resolving ${coordinates} with Maven${options.expectation ? ` (${options.expectation})` : ''}`);
  const started = Date.now();
  const pom = join(cacheDir, 'pom.xml');
  await writeAtomically(pom, pomFor(name, artifacts));
  const output = join(cacheDir, `classpath-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await run(mvn, ['-B', '-q', '-f', pom, 'dependency:build-classpath', `-Dmdep.outputFile=${output}`]);
    const classpath = (await readFile(output, 'utf8')).trim();
    const missing = artifacts.find((a) => !classpath.includes(`${a.artifactId}-${a.version}.jar`));
    if (missing)
      throw new Error(`Maven wrote a classpath without ${missing.artifactId}: ${classpath.slice(0, 500)}`);
    await rename(output, classpathFile);
    say(`${name} resolved in ${Math.round((Date.now() - started) / 1000)} s`);
    return classpath;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    const detail = `${stdout}\n${stderr}`.trim() || (error as Error).message;
    throw new Error(`Maven could not resolve ${coordinates}: ${detail.slice(-2000)}`);
  } finally {
    await rm(output, { force: true });
  }
}

/** Pinned plugin version: without it Maven would look up the newest dependency plugin on every run. */
function pomFor(name: string, artifacts: readonly MavenArtifact[]): string {
  const dependencies = artifacts
    .map(
      (a) => `    <dependency>
      <groupId>${a.groupId}</groupId>
      <artifactId>${a.artifactId}</artifactId>
      <version>${a.version}</version>
    </dependency>`,
    )
    .join('\n');
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>missionflow.test</groupId>
  <artifactId>${name}-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${dependencies}
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>2.8</version>
      </plugin>
    </plugins>
  </build>
</project>
`;
}

/**
 * Writes beside the final name and renames over it: a concurrent reader sees either the old file or
 * the whole new one, never half of one.
 */
export async function writeAtomically(path: string, content: string, mode = 0o644): Promise<void> {
  const scratch = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(scratch, content);
    // Explicitly, not through writeFile's mode: that one is narrowed by the umask.
    await chmod(scratch, mode);
    await rename(scratch, path);
  } finally {
    await rm(scratch, { force: true });
  }
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function allExist(paths: string[]): Promise<boolean> {
  return (await Promise.all(paths.map(exists))).every(Boolean);
}
