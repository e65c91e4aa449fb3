import { lexicalEmbedding, lexicalEmbeddingModel, tokenize } from '../../domain/lexical-embedding';

const norm = (vector: readonly number[]) => Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
const cosine = (a: readonly number[], b: readonly number[]) =>
  a.reduce((sum, value, i) => sum + value * (b[i] as number), 0) / (norm(a) * norm(b));

it('tokenizes lower-cased letters and digits of any script', () => {
  expect(tokenize('Hello, WORLD! Zürich-2024 東京')).toEqual(['hello', 'world', 'zürich', '2024', '東京']);
  expect(tokenize('  ...  ')).toEqual([]);
});

it('is deterministic and has the requested dimension', () => {
  const text = 'The harbour ledger records every copper shipment.';
  const first = lexicalEmbedding(text, 384);
  expect(first).toHaveLength(384);
  expect(lexicalEmbedding(text, 384)).toEqual(first);
  expect(lexicalEmbedding(text, 64)).toHaveLength(64);
});

it('is L2-normalised', () => {
  for (const text of ['one', 'two words', 'a much longer sentence about rivers, meadows and lanterns']) {
    expect(norm(lexicalEmbedding(text, 128))).toBeCloseTo(1, 10);
  }
});

it('gives the zero vector for text without words', () => {
  for (const text of ['', '   ', '!?.,;']) {
    const vector = lexicalEmbedding(text, 32);
    expect(vector).toHaveLength(32);
    expect(vector.every((value) => value === 0)).toBe(true);
  }
});

it('ignores case and punctuation', () => {
  expect(lexicalEmbedding('Copper Harbour!', 256)).toEqual(lexicalEmbedding('copper, harbour', 256));
});

it('word order matters through word pairs', () => {
  expect(lexicalEmbedding('river meadow summit', 256)).not.toEqual(
    lexicalEmbedding('summit meadow river', 256),
  );
});

it('texts sharing words are closer than texts sharing none', () => {
  const query = lexicalEmbedding('copper mine output in the northern quarry', 384);
  const related = lexicalEmbedding('the northern quarry doubled its copper output', 384);
  const unrelated = lexicalEmbedding('orchard apples ripen late this autumn', 384);
  expect(cosine(query, related)).toBeGreaterThan(0.3);
  expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.2);
  expect(cosine(query, query)).toBeCloseTo(1, 10);
});

it('names its model', () => {
  expect(lexicalEmbeddingModel).toBe('lexical-hash-v1');
});
