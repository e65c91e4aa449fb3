import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Embedder } from '../../adapters/embedders';
import { missionflowCacheDir } from '../../adapters/executables';
import type { PoolSentence } from './corpus';

/**
 * The pool sentences' vectors from the real model. Embedding them takes a minute or two on 2 cores,
 * so they are kept in the user cache (`$XDG_CACHE_HOME/missionflow/bench/`), keyed by the model and
 * the pool's exact texts: a changed generator or model embeds again, never reuses stale vectors.
 */
export async function poolVectors(
  embedder: Embedder,
  pool: readonly PoolSentence[],
  say: (message: string) => void,
): Promise<Float32Array[]> {
  const digest = createHash('sha256')
    .update(embedder.model)
    .update(pool.map((entry) => entry.text).join('\n'))
    .digest('hex')
    .slice(0, 16);
  const file = missionflowCacheDir(process.env, 'bench', `search-pool-${digest}.f32`);
  const cached = await readFile(file).catch(() => null);
  const dimensions = embedder.dimensions;
  if (cached && cached.byteLength === pool.length * dimensions * 4) {
    say(`pool: ${pool.length} sentence vectors from ${file}`);
    const all = new Float32Array(cached.buffer, cached.byteOffset, cached.byteLength / 4);
    return pool.map((_, i) => all.slice(i * dimensions, (i + 1) * dimensions));
  }
  const started = performance.now();
  const vectors: Float32Array[] = [];
  const batch = 256;
  for (let start = 0; start < pool.length; start += batch) {
    const texts = pool.slice(start, start + batch).map((entry) => entry.text);
    for (const vector of await embedder.embed(texts)) vectors.push(Float32Array.from(vector));
    say(`pool: embedded ${vectors.length}/${pool.length}`);
  }
  const seconds = (performance.now() - started) / 1000;
  say(`pool: ${pool.length} sentences embedded in ${seconds.toFixed(1)} s (${embedder.model})`);
  await mkdir(dirname(file), { recursive: true });
  const joined = new Float32Array(pool.length * dimensions);
  vectors.forEach((vector, i) => joined.set(vector, i * dimensions));
  // Written aside, then renamed: an interrupted run never leaves a short file to be read back.
  await writeFile(`${file}.tmp`, Buffer.from(joined.buffer));
  await rename(`${file}.tmp`, file);
  return vectors;
}

/** A chunk's vector: the mean of its sentences' vectors, at unit length like the model's own. */
export function meanVector(vectors: ReadonlyArray<Float32Array>, ids: readonly number[]): number[] {
  const first = vectors[0];
  if (!first) return [];
  const sum = new Float64Array(first.length);
  for (const id of ids) {
    const vector = vectors[id] as Float32Array;
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (vector[i] as number);
  }
  const norm = Math.sqrt(sum.reduce((total, value) => total + value * value, 0)) || 1;
  // Six decimals: the vector literal stays short and the cosine changes far below what ranks notice.
  return Array.from(sum, (value) => Math.round((value / norm) * 1e6) / 1e6);
}
