/**
 * The search benchmark's generated corpus, deterministic from fixed seeds: a pool of distinct
 * sentences (embedded once with the real model), chunks made of a few pool sentences of one topic
 * (their vector is the mean of the sentences' vectors, so 100,000 chunks cost no more embedding than
 * the pool), and questions over the same vocabulary: some in the corpus's words, some in a user's.
 */
import { people, places, sharedNouns, timePhrases, topics, type Topic } from './vocabulary';

/** Pool sentences per chunk: about 80 words, 500 characters, a short real chunk. */
export const sentencesPerChunk = 6;
/** Chunks per generated document (documents are written and indexed one at a time). */
export const chunksPerDocument = 50;

/** A small seeded generator (mulberry32): the same seed gives the same corpus on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;

/** Skewed towards the front of the list (the lists are written most frequent first): Zipf-like terms. */
function pickSkewed<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * random() * items.length)] as T;
}

function pickUniform<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

export interface PoolSentence {
  text: string;
  topic: number;
}

/** One sentence of `topic`, sometimes naming a person or a place (the graph's entities). */
function sentence(random: Random, topic: Topic): string {
  const noun = () => pickSkewed(random, topic.nouns);
  const verb = () => pickSkewed(random, topic.verbs);
  const adjective = () => pickSkewed(random, topic.adjectives);
  const time = () => pickUniform(random, timePhrases);
  const shared = () => pickSkewed(random, sharedNouns);
  const person = () => pickUniform(random, people);
  const place = () => pickUniform(random, places);
  const templates: Array<() => string> = [
    () => `The ${adjective()} ${noun()} ${verb()} the ${noun()} ${time()}.`,
    () => `${person()} ${verb()} the ${noun()} near ${place()}.`,
    () => `Our ${shared()} ${verb()} a ${adjective()} ${noun()} and the ${noun()}.`,
    () => `A ${noun()} from ${place()} ${verb()} the ${adjective()} ${noun()} ${time()}.`,
    () => `${person()} said the ${noun()} and the ${noun()} were ${adjective()}.`,
    () => `Every ${shared()} the ${noun()} ${verb()} beside the ${adjective()} ${noun()}.`,
  ];
  return pickUniform(random, templates)();
}

/** `size` distinct sentences, the topics taking turns. */
export function sentencePool(size: number): PoolSentence[] {
  const random = seededRandom(20_261_206);
  const seen = new Set<string>();
  const pool: PoolSentence[] = [];
  for (let attempts = 0; pool.length < size; attempts++) {
    if (attempts > size * 50) throw new Error(`the vocabulary cannot make ${size} distinct sentences`);
    const topic = pool.length % topics.length;
    const text = sentence(random, topics[topic] as Topic);
    if (seen.has(text)) continue;
    seen.add(text);
    pool.push({ text, topic });
  }
  return pool;
}

export interface GeneratedChunk {
  index: number;
  text: string;
  heading: string;
  /** The pool sentences it is made of, in order. */
  sentences: number[];
}

export interface GeneratedDocument {
  /** Also the seed of its content: document n is the same in every run. */
  number: number;
  title: string;
  topic: number;
  chunks: GeneratedChunk[];
}

/** Document `number`: one topic, `chunksPerDocument` chunks of pool sentences of that topic. */
export function generatedDocument(
  number: number,
  poolByTopic: ReadonlyArray<readonly number[]>,
  pool: readonly PoolSentence[],
): GeneratedDocument {
  const random = seededRandom(1_000_003 * (number + 1));
  const topic = number % topics.length;
  const candidates = poolByTopic[topic] ?? [];
  const name = (topics[topic] as Topic).name;
  const chunks = Array.from({ length: chunksPerDocument }, (_, index) => {
    const sentences = Array.from({ length: sentencesPerChunk }, () => pickUniform(random, candidates));
    return {
      index,
      text: sentences.map((id) => (pool[id] as PoolSentence).text).join(' '),
      heading: `${name} notes, part ${1 + Math.floor(index / 10)}`,
      sentences,
    };
  });
  return { number, title: `${name} log ${number}`, topic, chunks };
}

/** Pool sentence ids by topic, for composing chunks. */
export function poolByTopic(pool: readonly PoolSentence[]): number[][] {
  const byTopic = topics.map((): number[] => []);
  pool.forEach((entry, id) => byTopic[entry.topic]?.push(id));
  return byTopic;
}

export interface BenchQuery {
  text: string;
  /** Whether it names a person or place, so that the graph strategy has somewhere to start. */
  namesEntity: boolean;
  kind: 'corpus words' | 'user words';
}

/** Content words of a pool sentence: what a user who read it might type. */
function keywordsOf(text: string): string[] {
  const stop = new Set([
    'the',
    'a',
    'and',
    'near',
    'from',
    'said',
    'were',
    'our',
    'every',
    'beside',
    'on',
    'in',
    'at',
    'of',
    'for',
    'to',
    'before',
    'after',
    'during',
    'despite',
    'end',
    'month',
    'time',
    'third',
    'last',
  ]);
  return text
    .replace(/[.,]/g, '')
    .split(' ')
    .filter((word) => !stop.has(word.toLowerCase()));
}

/**
 * `count` distinct questions: half in the corpus's own words (content words of a pool sentence, as a
 * question, names included), half in a user's (a topic's questions, sometimes about a place).
 */
export function benchQueries(count: number, pool: readonly PoolSentence[]): BenchQuery[] {
  const random = seededRandom(7_777);
  const queries = new Map<string, BenchQuery>();
  const entityNames = new Set([...people, ...places].flatMap((name) => name.split(' ')));
  for (let attempts = 0; queries.size < count; attempts++) {
    if (attempts > count * 50) throw new Error(`cannot make ${count} distinct questions`);
    let query: BenchQuery;
    if (queries.size % 2 === 0) {
      const words = keywordsOf(pickUniform(random, pool).text);
      const start = Math.floor(random() * Math.max(1, words.length - 3));
      const picked = words.slice(start, start + 3 + Math.floor(random() * 2));
      const text = `what about the ${picked.join(' ')}?`;
      query = { text, namesEntity: picked.some((word) => entityNames.has(word)), kind: 'corpus words' };
    } else {
      const topic = pickUniform(random, topics);
      const aboutPlace = random() < 0.5;
      const text = `${pickUniform(random, topic.questions)}${aboutPlace ? ` in ${pickUniform(random, places)}` : ''}?`;
      query = { text, namesEntity: aboutPlace, kind: 'user words' };
    }
    if (!queries.has(query.text)) queries.set(query.text, query);
  }
  return [...queries.values()];
}
