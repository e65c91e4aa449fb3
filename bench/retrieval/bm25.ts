import { stemmer } from 'stemmer';

/**
 * The reference ranking the platform's search is compared with: classic Okapi BM25 over whole
 * pages, computed in the benchmark itself so that every run carries its own baseline.
 */

/** Common English function words: they match nearly every page and only add noise to scores. */
const stopWords = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being ' +
    'below between both but by can could did do does doing down during each few for from further had ' +
    'has have having he her here hers herself him himself his how i if in into is it its itself just ' +
    'me more most my myself no nor not now of off on once only or other our ours ourselves out over ' +
    'own same she should so some such than that the their theirs them themselves then there these they ' +
    'this those through to too under until up very was we were what when where which while who whom ' +
    'why will with would you your yours yourself yourselves'
  ).split(' '),
);

/**
 * Lower-cased runs of letters and digits, stop words removed, each reduced by the Porter stemmer.
 * Punctuation, including `_` and `.`, separates words: `statement_timeout` is `statement timeout`.
 */
export function analyze(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.filter((word) => !stopWords.has(word)).map((word) => stemmer(word));
}

export interface Bm25Options {
  k1: number;
  b: number;
  /** How many times a title word counts compared with a word of the body. */
  titleWeight: number;
}

export const defaultBm25Options: Bm25Options = { k1: 1.2, b: 0.75, titleWeight: 3 };

export interface Bm25Document {
  id: string;
  title: string;
  text: string;
}

interface IndexedDocument {
  id: string;
  /** Term frequencies, title occurrences weighted. */
  frequencies: Map<string, number>;
  length: number;
}

export class Bm25Index {
  private readonly documents: IndexedDocument[];
  private readonly documentFrequency = new Map<string, number>();
  private readonly averageLength: number;

  constructor(
    documents: readonly Bm25Document[],
    private readonly options: Bm25Options = defaultBm25Options,
  ) {
    this.documents = documents.map((document) => this.indexDocument(document));
    for (const document of this.documents) {
      for (const term of document.frequencies.keys()) {
        this.documentFrequency.set(term, (this.documentFrequency.get(term) ?? 0) + 1);
      }
    }
    const totalLength = this.documents.reduce((sum, document) => sum + document.length, 0);
    this.averageLength = this.documents.length > 0 ? totalLength / this.documents.length : 0;
  }

  /** Document ids by descending score (ties by id, so runs are repeatable); no match, no entry. */
  search(query: string, limit: number): Array<{ id: string; score: number }> {
    const terms = [...new Set(analyze(query))];
    const scored: Array<{ id: string; score: number }> = [];
    for (const document of this.documents) {
      let score = 0;
      for (const term of terms) score += this.termScore(term, document);
      if (score > 0) scored.push({ id: document.id, score });
    }
    scored.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    return scored.slice(0, limit);
  }

  /** Lucene's form of the inverse document frequency, never negative for very common terms. */
  idf(term: string): number {
    const n = this.documents.length;
    const df = this.documentFrequency.get(term) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  private termScore(term: string, document: IndexedDocument): number {
    const frequency = document.frequencies.get(term);
    if (!frequency) return 0;
    const { k1, b } = this.options;
    const lengthNorm = 1 - b + (b * document.length) / this.averageLength;
    return (this.idf(term) * frequency * (k1 + 1)) / (frequency + k1 * lengthNorm);
  }

  private indexDocument(document: Bm25Document): IndexedDocument {
    const frequencies = new Map<string, number>();
    const add = (terms: string[], weight: number) => {
      for (const term of terms) frequencies.set(term, (frequencies.get(term) ?? 0) + weight);
      return terms.length * weight;
    };
    const length = add(analyze(document.title), this.options.titleWeight) + add(analyze(document.text), 1);
    return { id: document.id, frequencies, length };
  }
}
