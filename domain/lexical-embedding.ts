/**
 * A deterministic, model-free embedding: signed feature hashing of lower-cased words and adjacent
 * word pairs into a fixed number of dimensions, L2-normalised. It captures lexical overlap only (no
 * synonyms, no meaning), which is why it is named lexical; it lets the vector path run with no
 * model download and gives identical vectors on every machine.
 */
export const lexicalEmbeddingModel = 'lexical-hash-v1';

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** FNV-1a, 32 bit: fast, stable across platforms, good enough spread for feature hashing. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function lexicalEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = tokenize(text);
  const addFeature = (feature: string, weight: number) => {
    const hash = fnv1a(feature);
    const sign = hash & 0x80000000 ? -1 : 1;
    const slot = hash % dimensions;
    vector[slot] = (vector[slot] ?? 0) + sign * weight;
  };
  for (let i = 0; i < words.length; i++) {
    addFeature(`w:${words[i]}`, 1);
    if (i + 1 < words.length) addFeature(`p:${words[i]} ${words[i + 1]}`, 0.5);
  }
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return norm === 0 ? vector : vector.map((value) => value / norm);
}
