import type { ChunkText } from '../domain/entities';

/**
 * Texts built to make a careless scanner slow: long runs that almost match, separators that never
 * close, repetitions that tempt a backtracking pattern. bench/extraction.ts times the extractors on
 * them at two sizes; the unit tests read them once to check the output stays within its caps.
 */
export const hostileTexts = {
  heuristic: [
    'Ada '.repeat(10_000),
    '$1,'.repeat(10_000),
    '1,000'.repeat(8_000),
    '1 January '.repeat(4_000),
    'Acme Ltd '.repeat(4_000),
    'a'.repeat(40_000),
    '1' + ' '.repeat(40_000) + 'x',
    'Ada Lovelace paid $1,200 on 2024-01-15 to Acme Ltd and the Bank of England; '.repeat(500),
  ],
  pii: [
    'a.'.repeat(20_000) + '@',
    '@'.repeat(40_000),
    '1 '.repeat(20_000),
    '(1'.repeat(20_000),
    '+1-'.repeat(13_000),
    'GB82 '.repeat(8_000),
    'DE89' + 'A'.repeat(40_000),
    'Ada Lovelace paid 4111 1111 1111 1111 to ada@example.com, +44 20 7946 0958. '.repeat(500),
  ],
  /**
   * A term that fails only at its end, so every word of the text starts a long failing walk in
   * the dictionary's trie, among 10,000 others.
   */
  dictionaryTerms(): string[] {
    const long = `${Array.from({ length: 60 }, () => 'a').join(' ')} b`;
    return [long, ...Array.from({ length: 10_000 }, (_, i) => `term number ${i}`)];
  },
  dictionaryChunks(count: number): ChunkText[] {
    return Array.from({ length: count }, (_, chunkIndex) => ({ chunkIndex, text: 'a '.repeat(10_000) }));
  },
};
