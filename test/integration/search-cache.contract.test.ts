import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { MissionflowError } from '../../domain/errors';
import { LruSearchCache, type SearchCache } from '../../stores/cache/search-cache';
import { RedisSearchCache } from '../../stores/cache/redis-cache';
import { freePort } from '../support/services/service';

/**
 * One contract for every SearchCache. Mission ids carry a per-run prefix: the Redis server is shared
 * with the other test files, so nothing here may flush it or depend on keys it did not write.
 */
const run = randomBytes(4).toString('hex');
const mission = (name: string) => `t${run}-${name}`;

function redisUrl(): string {
  const url = process.env.MF_TEST_REDIS_URL;
  if (!url) {
    throw new Error(
      'MF_TEST_REDIS_URL is not set: the test set-up must start Redis (test/support/services/redis.ts) ' +
        'and export its URL. A missing Redis is a broken harness, not a reason to skip.',
    );
  }
  return url;
}

interface Subject {
  cache: SearchCache;
  /** Lets time pass for TTLs: real time for Redis, an injected clock for the LRU. */
  advance(ms: number): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const implementations: Array<{ name: string; create(): Subject }> = [
  {
    name: 'RedisSearchCache',
    create: () => ({ cache: new RedisSearchCache({ url: redisUrl() }), advance: sleep }),
  },
  {
    name: 'LruSearchCache',
    create: () => {
      let now = 1_700_000_000_000;
      const cache = new LruSearchCache({ maxEntries: 1000, now: () => now });
      return {
        cache,
        advance: async (ms) => {
          now += ms;
        },
      };
    },
  },
];

describe.each(implementations)('SearchCache contract: $name', ({ create }) => {
  let subject: Subject;
  let cache: SearchCache;

  beforeEach(() => {
    subject = create();
    cache = subject.cache;
  });

  afterEach(async () => {
    await cache?.close();
  });

  const results = {
    results: [{ documentId: 'd1', chunkId: 'c1', score: 0.91, text: 'Zürich ✓', title: null }],
  };

  it('ping answers', async () => {
    await expect(cache.ping()).resolves.toBeUndefined();
  });

  it('answers a miss with null', async () => {
    expect(await cache.get(mission('miss'), 'query=never-stored')).toBeNull();
    const lookup = await cache.lookup(mission('miss'), 'query=never-stored');
    expect(lookup.value).toBeNull();
    expect(typeof lookup.generation).toBe('string');
  });

  it('answers a hit with an equal copy of the stored value', async () => {
    const m = mission('hit');
    await cache.set(m, 'query=alpha', results, 60);
    const first = await cache.get<typeof results>(m, 'query=alpha');
    expect(first).toEqual(results);
    first!.results[0]!.score = 0;
    expect(await cache.get(m, 'query=alpha')).toEqual(results);
    expect(await cache.get(m, 'query=alphb')).toBeNull();
  });

  it('stores values as JSON, so both stores return the same shape', async () => {
    const m = mission('json');
    await cache.set(
      m,
      'k',
      { at: new Date('2024-01-02T03:04:05.000Z'), gone: undefined, list: [1, 'two'] },
      60,
    );
    expect(await cache.get(m, 'k')).toEqual({ at: '2024-01-02T03:04:05.000Z', list: [1, 'two'] });
    await expect(cache.set(m, 'k', undefined, 60)).rejects.toThrow(TypeError);
  });

  it('overwrites an entry set again under the same key', async () => {
    const m = mission('overwrite');
    await cache.set(m, 'k', 'first', 60);
    await cache.set(m, 'k', 'second', 60);
    expect(await cache.get(m, 'k')).toBe('second');
  });

  it('stops serving an entry once its TTL has passed', async () => {
    const m = mission('ttl');
    await cache.set(m, 'short', 'short-lived', 1);
    await cache.set(m, 'long', 'long-lived', 60);
    expect(await cache.get(m, 'short')).toBe('short-lived');
    await subject.advance(1200);
    expect(await cache.get(m, 'short')).toBeNull();
    expect(await cache.get(m, 'long')).toBe('long-lived');
  });

  it('keeps missions apart: same key, different values, and invalidating one leaves the other', async () => {
    const a = mission('iso-a');
    const b = mission('iso-b');
    await cache.set(a, 'query=shared', 'from A', 60);
    await cache.set(b, 'query=shared', 'from B', 60);
    expect(await cache.get(a, 'query=shared')).toBe('from A');
    expect(await cache.get(b, 'query=shared')).toBe('from B');

    await cache.invalidateMission(a);
    expect(await cache.get(a, 'query=shared')).toBeNull();
    expect(await cache.get(b, 'query=shared')).toBe('from B');
  });

  it('invalidation starts a new generation: earlier entries are not served, later ones are', async () => {
    const m = mission('gen');
    await cache.set(m, 'q1', 'old 1', 60);
    await cache.set(m, 'q2', 'old 2', 60);
    const before = await cache.lookup(m, 'q1');
    await cache.invalidateMission(m);
    const after = await cache.lookup(m, 'q1');
    expect(after.value).toBeNull();
    expect(after.generation).not.toBe(before.generation);
    expect(await cache.get(m, 'q2')).toBeNull();

    await cache.set(m, 'q1', 'new 1', 60);
    expect(await cache.get(m, 'q1')).toBe('new 1');
    await cache.invalidateMission(m);
    await cache.invalidateMission(m);
    expect(await cache.get(m, 'q1')).toBeNull();
  });

  it('drops a value computed before an invalidation, even when it is written after it', async () => {
    const m = mission('race');
    const missed = await cache.lookup(m, 'query=racy');
    expect(missed.value).toBeNull();
    // The index changes while the search runs; its (now stale) result arrives afterwards.
    await cache.invalidateMission(m);
    await cache.set(m, 'query=racy', 'stale result', 60, { generation: missed.generation });
    expect(await cache.get(m, 'query=racy')).toBeNull();

    // Without an invalidation in between, the same sequence is a normal fill.
    const again = await cache.lookup(m, 'query=racy');
    await cache.set(m, 'query=racy', 'fresh result', 60, { generation: again.generation });
    expect(await cache.get(m, 'query=racy')).toBe('fresh result');
  });

  it("does not accept another mission's generation as its own", async () => {
    const a = mission('foreign-a');
    const b = mission('foreign-b');
    await cache.invalidateMission(a);
    const fromA = await cache.lookup(a, 'k');
    await cache.invalidateMission(b);
    await cache.set(b, 'k', 'written with A generation', 60, { generation: fromA.generation });
    expect(await cache.get(b, 'k')).toBeNull();
  });

  it('rejects mission ids outside the mission id pattern before touching the store', async () => {
    const bad = ['', 'Alpha', 'a:b', 'a}{b', 'a*', '../x', 'a b', 'x'.repeat(49), 'é'];
    for (const id of bad) {
      await expect(cache.get(id, 'k')).rejects.toThrow(MissionflowError);
      await expect(cache.lookup(id, 'k')).rejects.toMatchObject({ code: 'invalid_request' });
      await expect(cache.set(id, 'k', 'v', 60)).rejects.toMatchObject({ code: 'invalid_request' });
      await expect(cache.invalidateMission(id)).rejects.toMatchObject({ code: 'invalid_request' });
    }
    await expect(cache.get('a'.repeat(48), 'k')).resolves.toBeNull();
  });

  it('rejects a TTL that is not a positive number', async () => {
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(cache.set(mission('ttl-bad'), 'k', 'v', ttl)).rejects.toThrow(RangeError);
    }
  });
});

describe('RedisSearchCache on a real Redis', () => {
  let raw: Redis;

  beforeAll(() => {
    raw = new Redis(redisUrl());
  });

  afterAll(async () => {
    await raw?.quit();
  });

  async function keysOf(pattern: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await raw.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys.sort();
  }

  it('namespaces every key by mission, hashes the search key and gives every entry a TTL', async () => {
    const cache = new RedisSearchCache({ url: redisUrl() });
    const a = mission('keys-a');
    const b = mission('keys-b');
    try {
      await cache.set(a, 'query=secret words', 'A', 60);
      await cache.set(b, 'query=secret words', 'B', 60);
      await cache.invalidateMission(a);
      await cache.set(a, 'query=secret words', 'A again', 60);
    } finally {
      await cache.close();
    }

    const keys = await keysOf(`mf:{t${run}-keys-*`);
    const entry = (m: string) => new RegExp(`^mf:\\{${m}\\}:search:[0-9a-f]{32}:[0-9a-f]{64}$`);
    expect(keys.filter((key) => entry(a).test(key))).toHaveLength(2);
    expect(keys.filter((key) => entry(b).test(key))).toHaveLength(1);
    expect(keys.filter((key) => key.endsWith(':gen')).sort()).toEqual(
      [`mf:{${a}}:gen`, `mf:{${b}}:gen`].sort(),
    );
    expect(keys).toHaveLength(5);
    expect(keys.join('\n')).not.toContain('secret');

    for (const key of keys.filter((k) => k.includes(':search:'))) {
      const ttl = await raw.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    // The generation must outlive its entries, or a recreated one could be mistaken for it.
    expect(await raw.pttl(`mf:{${a}}:gen`)).toBe(-1);
  });

  it('treats a lost generation key as a new generation, never as an old one', async () => {
    const cache = new RedisSearchCache({ url: redisUrl() });
    const m = mission('lost-gen');
    try {
      // The first generation a mission gets, then the one after an invalidation: once the key is
      // gone, neither may come back (a counter would restart at the first and revive its entries).
      const first = await cache.lookup(m, 'k');
      await cache.set(m, 'k', 'first generation', 60, { generation: first.generation });
      await cache.invalidateMission(m);
      await cache.set(m, 'k', 'second generation', 60);
      expect(await cache.get(m, 'k')).toBe('second generation');
      await raw.del(`mf:{${m}}:gen`);
      expect(await cache.get(m, 'k')).toBeNull();
      await raw.del(`mf:{${m}}:gen`);
      expect(await cache.get(m, 'k')).toBeNull();
    } finally {
      await cache.close();
    }
  });

  it('answers a miss for an unreadable entry and lets the next fill replace it', async () => {
    const errors: string[] = [];
    const cache = new RedisSearchCache({ url: redisUrl(), onError: (error) => errors.push(error.message) });
    const m = mission('corrupt');
    try {
      await cache.set(m, 'k', 'good', 60);
      const [key] = await keysOf(`mf:{${m}}:search:*`);
      await raw.set(key!, '{not json', 'EX', 60);
      const lookup = await cache.lookup(m, 'k');
      expect(lookup.value).toBeNull();
      expect(errors).toHaveLength(1);
      await cache.set(m, 'k', 'good again', 60, { generation: lookup.generation });
      expect(await cache.get(m, 'k')).toBe('good again');
    } finally {
      await cache.close();
    }
  });

  it('when Redis is unreachable: reads miss, writes are dropped, both reported; invalidation throws', async () => {
    const port = await freePort();
    const reported: string[] = [];
    const cache = new RedisSearchCache({
      url: `redis://127.0.0.1:${port}`,
      commandTimeoutMs: 200,
      onError: (_error, context) => reported.push(`${context.operation}:${context.missionId ?? ''}`),
    });
    const m = mission('down');
    try {
      const lookup = await cache.lookup(m, 'k');
      expect(lookup.value).toBeNull();
      await expect(cache.set(m, 'k', 'v', 60, { generation: lookup.generation })).resolves.toBeUndefined();
      await expect(cache.invalidateMission(m)).rejects.toThrow();
      expect(reported).toEqual(expect.arrayContaining([`lookup:${m}`, `set:${m}`]));
    } finally {
      await cache.close();
    }
  });

  it('ping rejects, saying why, when Redis is unreachable', async () => {
    const port = await freePort();
    // The platform's settings (default command timeout): readiness gives each check 3 s.
    const cache = new RedisSearchCache({ url: `redis://127.0.0.1:${port}`, onError: () => undefined });
    try {
      // The first while the client is still connecting, the others between its reconnect attempts.
      const failures: string[] = [];
      for (let attempt = 0; attempt < 4; attempt++) {
        const error = await cache.ping().then(
          () => null,
          (failure: unknown) => failure as Error,
        );
        expect(error).toBeInstanceOf(Error);
        failures.push(error!.message);
      }
      expect(failures.every((message) => message.startsWith('Redis '))).toBe(true);
      expect(failures.at(-1)).toMatch(new RegExp(`not connected .*ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    } finally {
      await cache.close();
    }
  });
});

describe('LruSearchCache bounds', () => {
  it('evicts the least recently used entry beyond maxEntries, across missions', async () => {
    const cache = new LruSearchCache({ maxEntries: 3 });
    await cache.set('alpha', 'q1', 1, 60);
    await cache.set('beta', 'q2', 2, 60);
    await cache.set('alpha', 'q3', 3, 60);
    expect(await cache.get('alpha', 'q1')).toBe(1);
    await cache.set('beta', 'q4', 4, 60);
    expect(cache.size).toBe(3);
    expect(await cache.get('beta', 'q2')).toBeNull();
    expect(await cache.get('alpha', 'q1')).toBe(1);
    expect(await cache.get('alpha', 'q3')).toBe(3);
    expect(await cache.get('beta', 'q4')).toBe(4);
  });

  it('frees the room of an invalidated mission at once', async () => {
    const cache = new LruSearchCache({ maxEntries: 4 });
    await cache.set('alpha', 'q1', 1, 60);
    await cache.set('alpha', 'q2', 2, 60);
    await cache.set('beta', 'q1', 3, 60);
    await cache.invalidateMission('alpha');
    expect(cache.size).toBe(1);
    await cache.set('gamma', 'q1', 4, 60);
    await cache.set('gamma', 'q2', 5, 60);
    await cache.set('gamma', 'q3', 6, 60);
    expect(await cache.get('beta', 'q1')).toBe(3);
  });

  it('refuses a size bound that is not a positive integer', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN]) {
      expect(() => new LruSearchCache({ maxEntries })).toThrow(RangeError);
    }
  });
});
