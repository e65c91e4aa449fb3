import { createHash, randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import {
  assertCacheMissionId,
  assertTtlSeconds,
  encodeCacheValue,
  type CacheErrorHandler,
  type CacheGeneration,
  type CacheLookup,
  type CacheSetOptions,
  type SearchCache,
} from './search-cache';

/**
 * Both scripts build the entry key from the generation they read, so reading the generation and
 * touching the entry is one atomic step. That key is not declared in KEYS, which Redis Cluster
 * tolerates only because it shares the `{mission}` hash tag (and so the slot) with the declared one.
 *
 * lookup: KEYS[1] generation key; ARGV candidate generation, entry key prefix, key hash.
 * A missing generation is created rather than read as a fixed default: if the key is ever lost
 * (evicted, deleted), a default would name an old generation again and revive its entries.
 */
const lookupLua = `
local gen = redis.call('GET', KEYS[1])
if not gen then
  redis.call('SET', KEYS[1], ARGV[1])
  return {ARGV[1], false}
end
return {gen, redis.call('GET', ARGV[2] .. gen .. ':' .. ARGV[3])}
`;

/**
 * set: KEYS[1] generation key; ARGV expected generation ('' for the current one), candidate
 * generation, entry key prefix, key hash, JSON value, TTL in milliseconds. Returns 1 if written.
 */
const setLua = `
local gen = redis.call('GET', KEYS[1])
if ARGV[1] ~= '' then
  if gen ~= ARGV[1] then return 0 end
elseif not gen then
  gen = ARGV[2]
  redis.call('SET', KEYS[1], gen)
end
redis.call('SET', ARGV[3] .. gen .. ':' .. ARGV[4], ARGV[5], 'PX', ARGV[6])
return 1
`;

/** Handed out when Redis could not be read: it matches no generation, so the `set` that follows is a no-op. */
const unavailableGeneration = 'unavailable';

interface CacheScripts {
  mfCacheLookup(
    genKey: string,
    candidate: string,
    prefix: string,
    hash: string,
  ): Promise<[string, string | null]>;
  mfCacheSet(
    genKey: string,
    expected: string,
    candidate: string,
    prefix: string,
    hash: string,
    json: string,
    ttlMs: number,
  ): Promise<number>;
}

export interface RedisSearchCacheOptions {
  url: string;
  /**
   * Failures the cache swallows (Redis unreachable, a command timing out, an unreadable entry).
   * Defaults to a process warning; the platform passes its logger.
   */
  onError?: CacheErrorHandler;
  /**
   * Bound on every command, queued ones included, so an unreachable Redis costs a search this much
   * rather than ioredis's reconnect-and-retry budget.
   */
  commandTimeoutMs?: number;
  /** Put in front of every key, for several deployments (or test stacks) sharing one Redis. */
  keyPrefix?: string;
}

/** `mf:{<mission>}:gen`: the hash tag keeps a mission's keys in one Redis Cluster slot. */
export function redisGenerationKey(missionId: string, keyPrefix = ''): string {
  return `${keyPrefix}mf:{${missionId}}:gen`;
}

/** Entries live at `<prefix><generation>:<sha256 of the key>`; old generations expire by TTL. */
export function redisEntryPrefix(missionId: string, keyPrefix = ''): string {
  return `${keyPrefix}mf:{${missionId}}:search:`;
}

/**
 * The `services` profile's cache. Each mission's current generation is a random token at
 * `mf:{<mission>}:gen`; invalidation replaces it, so every earlier entry becomes unreachable at once
 * and expires on its own. A random token rather than a counter: a counter that lost its key would
 * restart at a number it had used before and revive entries written under it.
 */
export class RedisSearchCache implements SearchCache {
  private readonly client: Redis;
  private readonly scripts: CacheScripts;
  private readonly onError: CacheErrorHandler;
  private readonly keyPrefix: string;
  /** Why the connection last failed, cleared once it is ready again: what `ping` reports. */
  private connectionError: Error | null = null;

  constructor(options: RedisSearchCacheOptions) {
    this.onError = options.onError ?? defaultOnError;
    this.keyPrefix = options.keyPrefix ?? '';
    this.client = new Redis(options.url, {
      commandTimeout: options.commandTimeoutMs ?? 500,
      maxRetriesPerRequest: 1,
    });
    // Without a listener ioredis prints every reconnect failure; route them to the same handler.
    this.client.on('error', (error: Error) => {
      this.connectionError = error;
      this.onError(error, { operation: 'connection' });
    });
    this.client.on('ready', () => {
      this.connectionError = null;
    });
    this.client.defineCommand('mfCacheLookup', { numberOfKeys: 1, lua: lookupLua });
    this.client.defineCommand('mfCacheSet', { numberOfKeys: 1, lua: setLua });
    this.scripts = this.client as unknown as CacheScripts;
  }

  async get<T>(missionId: string, key: string): Promise<T | null> {
    return (await this.lookup<T>(missionId, key)).value;
  }

  async lookup<T>(missionId: string, key: string): Promise<CacheLookup<T>> {
    assertCacheMissionId(missionId);
    let generation: CacheGeneration;
    let json: string | null;
    try {
      [generation, json] = await this.scripts.mfCacheLookup(
        redisGenerationKey(missionId, this.keyPrefix),
        newGeneration(),
        redisEntryPrefix(missionId, this.keyPrefix),
        hashKey(key),
      );
    } catch (error) {
      this.onError(asError(error), { operation: 'lookup', missionId });
      return { value: null, generation: unavailableGeneration };
    }
    if (json === null) return { value: null, generation };
    try {
      return { value: JSON.parse(json) as T, generation };
    } catch (error) {
      // A miss in a real generation, so the value recomputed after it overwrites the bad entry.
      this.onError(asError(error), { operation: 'lookup', missionId });
      return { value: null, generation };
    }
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
    try {
      await this.scripts.mfCacheSet(
        redisGenerationKey(missionId, this.keyPrefix),
        options.generation ?? '',
        newGeneration(),
        redisEntryPrefix(missionId, this.keyPrefix),
        hashKey(key),
        json,
        Math.ceil(ttlSeconds * 1000),
      );
    } catch (error) {
      this.onError(asError(error), { operation: 'set', missionId });
    }
  }

  async invalidateMission(missionId: string): Promise<void> {
    assertCacheMissionId(missionId);
    await this.client.set(redisGenerationKey(missionId, this.keyPrefix), newGeneration());
  }

  /**
   * PING on this client's connection. Between reconnect attempts a command would wait in ioredis's
   * offline queue, so a client that is not connected says so at once, with the last connection
   * error; while it is connecting the PING goes out, bounded by `commandTimeout` like every command.
   */
  async ping(): Promise<void> {
    const { status } = this.client;
    if (status === 'reconnecting' || status === 'close' || status === 'end') {
      const reason = this.connectionError ? `: ${this.connectionError.message}` : '';
      throw new Error(`Redis is not connected (${status})${reason}`);
    }
    try {
      await this.client.ping();
    } catch (error) {
      throw new Error(`Redis did not answer PING: ${asError(error).message}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      // already closed, or Redis is gone: nothing left to release but the socket
      this.client.disconnect();
    }
  }
}

/** 128 random bits: a generation token never repeats, so a replaced generation can never come back. */
function newGeneration(): CacheGeneration {
  return randomBytes(16).toString('hex');
}

/** Keys carry a digest, never the query text, and have a fixed length whatever the search. */
function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

const defaultOnError: CacheErrorHandler = (error, context) => {
  process.emitWarning(
    `search cache ${context.operation} failed${context.missionId ? ` for mission ${context.missionId}` : ''}: ${error.message}`,
    { code: 'MF_SEARCH_CACHE' },
  );
};
