import { missionIdPattern } from '../../domain/documents';
import { MissionflowError } from '../../domain/errors';

/**
 * Opaque token naming a mission's cache generation. Only ever pass back one that `lookup` returned:
 * its format differs between implementations.
 */
export type CacheGeneration = string;

export interface CacheLookup<T> {
  value: T | null;
  /** The generation the lookup ran in: hand it to `set` with the value computed after the miss. */
  generation: CacheGeneration;
}

export interface CacheSetOptions {
  /**
   * The generation read before the value was computed (from `lookup`). If the mission has been
   * invalidated since, the value may come from the old index, so the write is dropped. Without it,
   * the value is stored in whatever generation is current when the write lands.
   */
  generation?: CacheGeneration;
}

/**
 * Search results by (mission, key), where the key is whatever identifies a search (query, limit,
 * filters). Each mission has a generation; `invalidateMission` starts a new one, so nothing cached
 * before an index change is served after it. Values go through JSON in every implementation, so a
 * hit returns a fresh copy with the same shape whichever store is behind the interface; `null` cannot
 * be cached (it reads as a miss).
 *
 * The cache is an optimisation: implementations backed by a network service report failures of
 * `get`, `lookup` and `set` through their `onError` option and answer a miss (or drop the write)
 * instead of failing the search. `invalidateMission` does throw, because a lost invalidation would
 * keep serving results from an index that has changed: the caller must retry it.
 *
 * Mission ids must match `missionIdPattern`; anything else throws `invalid_request` before any store
 * is touched, so a crafted id can never address another mission's entries.
 */
export interface SearchCache {
  /** The cached value for (mission, key) in the mission's current generation, or null. */
  get<T>(missionId: string, key: string): Promise<T | null>;
  /** Like `get`, plus the generation to pass to `set` when the value has to be computed. */
  lookup<T>(missionId: string, key: string): Promise<CacheLookup<T>>;
  set<T>(
    missionId: string,
    key: string,
    value: T,
    ttlSeconds: number,
    options?: CacheSetOptions,
  ): Promise<void>;
  /** Called whenever the mission's index changes: every earlier entry of the mission stops being served. */
  invalidateMission(missionId: string): Promise<void>;
  /**
   * Resolves when the backing service answers; rejects promptly, saying why, when it does not. Unlike
   * the other operations it does not swallow the failure: readiness asks it to show a cache outage.
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type CacheOperation = 'lookup' | 'set' | 'connection';

/** Receives the store failures that a cache swallows so that searches keep working without it. */
export type CacheErrorHandler = (
  error: Error,
  context: { operation: CacheOperation; missionId?: string },
) => void;

export function assertCacheMissionId(missionId: string): void {
  if (typeof missionId !== 'string' || !missionIdPattern.test(missionId)) {
    throw new MissionflowError(
      'invalid_request',
      `invalid mission id for the cache: ${JSON.stringify(missionId)}`,
    );
  }
}

export function assertTtlSeconds(ttlSeconds: number): void {
  if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`ttlSeconds must be a positive number of seconds, got ${String(ttlSeconds)}`);
  }
}

/** The stored form of a value; rejects what JSON cannot carry rather than caching something else. */
export function encodeCacheValue(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined)
    throw new TypeError('cache values must be JSON-serialisable (got undefined or a function)');
  return json;
}

export interface LruSearchCacheOptions {
  /** Upper bound on live entries across all missions; the least recently used entry goes first. */
  maxEntries: number;
  /** Milliseconds clock, injectable so tests can expire entries without waiting. */
  now?: () => number;
}

interface LruEntry {
  missionId: string;
  json: string;
  expiresAt: number;
}

/**
 * The embedded profile's cache: one process, bounded by entry count. A Map iterates in insertion
 * order, so re-inserting an entry on every hit keeps the least recently used one first.
 */
export class LruSearchCache implements SearchCache {
  private readonly entries = new Map<string, LruEntry>();
  private readonly keysByMission = new Map<string, Set<string>>();
  private readonly generations = new Map<string, CacheGeneration>();
  // One counter for all missions, so a generation handed out for one mission never names another's.
  private lastGeneration = 0;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: LruSearchCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${String(options.maxEntries)}`);
    }
    this.maxEntries = options.maxEntries;
    this.now = options.now ?? Date.now;
  }

  /** Entries currently held, expired ones included until they are touched or evicted. */
  get size(): number {
    return this.entries.size;
  }

  async get<T>(missionId: string, key: string): Promise<T | null> {
    return (await this.lookup<T>(missionId, key)).value;
  }

  async lookup<T>(missionId: string, key: string): Promise<CacheLookup<T>> {
    assertCacheMissionId(missionId);
    const generation = this.generationOf(missionId);
    // The mission id cannot contain a newline, so (mission, key) pairs never collide.
    const entryKey = `${missionId}\n${key}`;
    const entry = this.entries.get(entryKey);
    if (!entry) return { value: null, generation };
    if (entry.expiresAt <= this.now()) {
      this.remove(entryKey, entry);
      return { value: null, generation };
    }
    this.entries.delete(entryKey);
    this.entries.set(entryKey, entry);
    return { value: JSON.parse(entry.json) as T, generation };
  }

  async set<T>(
    missionId: string,
    key: string,
    value: T,
    ttlSeconds: number,
    options: CacheSetOptions = {},
  ): Promise<void> {
    assertCacheMissionId(missionId);
    assertTtlSeconds(ttlSeconds);
    const json = encodeCacheValue(value);
    if (options.generation !== undefined && options.generation !== this.generationOf(missionId)) return;
    const entryKey = `${missionId}\n${key}`;
    const previous = this.entries.get(entryKey);
    if (previous) this.remove(entryKey, previous);
    this.entries.set(entryKey, { missionId, json, expiresAt: this.now() + ttlSeconds * 1000 });
    let keys = this.keysByMission.get(missionId);
    if (!keys) this.keysByMission.set(missionId, (keys = new Set()));
    keys.add(entryKey);
    while (this.entries.size > this.maxEntries) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, LruEntry];
      this.remove(oldestKey, oldest);
    }
  }

  async invalidateMission(missionId: string): Promise<void> {
    assertCacheMissionId(missionId);
    this.generations.set(missionId, String(++this.lastGeneration));
    // Dropping the old generation at once frees its room for live entries of other missions.
    for (const entryKey of this.keysByMission.get(missionId) ?? []) this.entries.delete(entryKey);
    this.keysByMission.delete(missionId);
  }

  /** In the process itself: if this code runs, the cache answers. */
  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
    this.keysByMission.clear();
  }

  private generationOf(missionId: string): CacheGeneration {
    let generation = this.generations.get(missionId);
    if (generation === undefined)
      this.generations.set(missionId, (generation = String(++this.lastGeneration)));
    return generation;
  }

  private remove(entryKey: string, entry: LruEntry): void {
    this.entries.delete(entryKey);
    const keys = this.keysByMission.get(entry.missionId);
    keys?.delete(entryKey);
    if (keys?.size === 0) this.keysByMission.delete(entry.missionId);
  }
}
