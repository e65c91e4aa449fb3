import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { missionflowCacheDir, onPath, type Say } from '../../adapters/executables';

/**
 * The retrieval corpus: the PostgreSQL 15 manual as HTML, from Debian's `postgresql-doc-15`. The
 * package is fetched once per machine into the missionflow cache, checked against the sha256 pinned
 * here, unpacked with dpkg-deb, and only its `html/*.html` pages are kept.
 */

const execFileAsync = promisify(execFile);

const packageName = 'postgresql-doc-15';

/**
 * The package the question sets were written against. A newer point release of the same manual
 * would serve too, but then the figures are not strictly comparable, so it is said loudly.
 */
export const pinnedPackage = {
  version: '15.20-0+deb12u1',
  sha256: '4c44bf2c599f208b3f46454a6cf7a72e25ec46ff74d37b59dd31ad76b00eebb7',
  /** Its place in a Debian archive (the security archive's pool), for machines without apt-get. */
  poolPath: 'pool/updates/main/p/postgresql-15/postgresql-doc-15_15.20-0+deb12u1_all.deb',
} as const;

/** Where the package keeps its HTML pages once unpacked. */
const htmlInPackage = join('usr', 'share', 'doc', packageName, 'html');
/** Written last, so a half-unpacked cache is never taken for a complete one. */
const completeMarker = '.complete';

export interface Corpus {
  /** Folder holding the pages. */
  dir: string;
  /** Page file names (`sql-rollback.html`), sorted. */
  pages: string[];
  version: string;
  sha256: string;
}

export async function acquireCorpus(env: NodeJS.ProcessEnv, say: Say): Promise<Corpus> {
  const pinned = await cachedCorpus(env, pinnedPackage.version);
  if (pinned) return pinned;
  const scratch = await mkdtemp(join(missionflowCacheDir(env, 'corpora'), 'download-'));
  try {
    const fetched = await fetchPinned(scratch, env, say);
    if (fetched) return await unpack(fetched, pinnedPackage.version, pinnedPackage.sha256, env, say);
    return await fetchCandidateInstead(scratch, env, say);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function corpusDir(env: NodeJS.ProcessEnv, version: string): string {
  return missionflowCacheDir(env, 'corpora', packageName, version);
}

async function cachedCorpus(env: NodeJS.ProcessEnv, version: string): Promise<Corpus | null> {
  const dir = corpusDir(env, version);
  if (!existsSync(join(dir, completeMarker))) {
    await mkdir(missionflowCacheDir(env, 'corpora'), { recursive: true });
    return null;
  }
  const sha256 = (await readFile(join(dir, completeMarker), 'utf8')).trim();
  return { dir: join(dir, 'html'), pages: await htmlPages(join(dir, 'html')), version, sha256 };
}

async function htmlPages(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.html')).sort();
}

/** The pinned .deb, with apt-get if the machine has it, else from the mirrors its apt sources name. */
async function fetchPinned(scratch: string, env: NodeJS.ProcessEnv, say: Say): Promise<string | null> {
  say(`corpus: fetching ${packageName} ${pinnedPackage.version} (once per machine)`);
  const viaApt = await aptDownload(scratch, `${packageName}=${pinnedPackage.version}`, env);
  if (viaApt) return viaApt;
  for (const mirror of await aptMirrors()) {
    const url = `${mirror.replace(/\/+$/, '')}/${pinnedPackage.poolPath}`;
    try {
      const response = await fetch(url);
      if (!response.ok) continue;
      const file = join(scratch, 'package.deb');
      await writeFile(file, Buffer.from(await response.arrayBuffer()));
      say(`corpus: downloaded ${url}`);
      return file;
    } catch {
      // The next mirror may have it.
    }
  }
  return null;
}

/** `apt-get download` (no root needed) into `dir`; the .deb's path, or null when apt cannot. */
async function aptDownload(dir: string, spec: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const aptGet = await onPath('apt-get', env);
  if (!aptGet) return null;
  try {
    await execFileAsync(aptGet, ['download', spec], { cwd: dir, timeout: 10 * 60_000 });
  } catch {
    return null;
  }
  const deb = (await readdir(dir)).find((name) => name.endsWith('.deb'));
  return deb ? join(dir, deb) : null;
}

/** The archive URIs of the machine's apt sources (one-line and deb822 formats). */
async function aptMirrors(): Promise<string[]> {
  const files = ['/etc/apt/sources.list'];
  const listDir = '/etc/apt/sources.list.d';
  if (existsSync(listDir)) files.push(...(await readdir(listDir)).map((name) => join(listDir, name)));
  const uris = new Set<string>();
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const match of text.matchAll(/^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)) uris.add(match[1] as string);
    for (const match of text.matchAll(/^URIs:\s*(.+)$/gm)) {
      for (const uri of (match[1] as string).split(/\s+/)) if (uri) uris.add(uri);
    }
  }
  return [...uris].filter((uri) => /^https?:\/\//.test(uri));
}

/**
 * The archive no longer has the pinned version (a later point release replaced it): the current
 * one, checked against the sha256 of apt's signed Packages index rather than the pinned value.
 */
async function fetchCandidateInstead(scratch: string, env: NodeJS.ProcessEnv, say: Say): Promise<Corpus> {
  const candidate = await aptIndexEntry(env);
  if (!candidate) {
    throw new Error(
      `corpus: ${packageName} ${pinnedPackage.version} could not be fetched (apt-get download, then the ` +
        'mirrors of /etc/apt/sources.list*), and apt knows no other version. Run `apt-get update` and retry.',
    );
  }
  const cached = await cachedCorpus(env, candidate.version);
  if (cached) return cached;
  say(
    `corpus: WARNING ${pinnedPackage.version} is no longer in the archive; using ${candidate.version}, ` +
      "checked against apt's Packages index. Figures may differ slightly from runs on the pinned manual.",
  );
  const deb = await aptDownload(scratch, `${packageName}=${candidate.version}`, env);
  if (!deb) throw new Error(`corpus: apt-get download ${packageName}=${candidate.version} failed`);
  return unpack(deb, candidate.version, candidate.sha256, env, say);
}

async function aptIndexEntry(env: NodeJS.ProcessEnv): Promise<{ version: string; sha256: string } | null> {
  const aptCache = await onPath('apt-cache', env);
  if (!aptCache) return null;
  try {
    const { stdout } = await execFileAsync(aptCache, ['show', '--no-all-versions', packageName]);
    const version = /^Version:\s*(\S+)/m.exec(stdout)?.[1];
    const sha256 = /^SHA256:\s*([0-9a-f]{64})/m.exec(stdout)?.[1];
    return version && sha256 ? { version, sha256 } : null;
  } catch {
    return null;
  }
}

/** Checks the .deb, unpacks it and keeps its HTML pages in the cache. */
async function unpack(
  deb: string,
  version: string,
  expectedSha256: string,
  env: NodeJS.ProcessEnv,
  say: Say,
): Promise<Corpus> {
  const actual = createHash('sha256')
    .update(await readFile(deb))
    .digest('hex');
  if (actual !== expectedSha256) {
    throw new Error(`corpus: ${deb} has sha256 ${actual}, expected ${expectedSha256}; not used`);
  }
  say(`corpus: sha256 verified (${actual.slice(0, 16)}...)`);
  const dpkgDeb = await onPath('dpkg-deb', env);
  if (!dpkgDeb) throw new Error('corpus: dpkg-deb is needed to unpack the package (Debian: dpkg)');
  const unpacked = join(dirname(deb), 'unpacked');
  await execFileAsync(dpkgDeb, ['-x', deb, unpacked]);
  const target = corpusDir(env, version);
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  const html = join(target, 'html');
  await mkdir(html);
  const pages = await htmlPages(join(unpacked, htmlInPackage));
  for (const page of pages) await rename(join(unpacked, htmlInPackage, page), join(html, page));
  await writeFile(join(target, completeMarker), `${actual}\n`);
  say(`corpus: ${pages.length} pages kept in ${html}`);
  return { dir: html, pages, version, sha256: actual };
}
