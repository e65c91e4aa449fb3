import { MissionflowError } from './errors';
import { isWordAt, isWordBefore } from './text';

/**
 * The cartridge's entity extractor: dictionary terms and regular expressions per entity type, run
 * over a document's chunks, giving the document's entities and their co-occurrence relations for
 * the entity graph. Pure and deterministic (workflows may import it): the same definitions and
 * chunks give the same output, in the same order, on every machine.
 */

/**
 * An entity type becomes a Neo4j label, so it is a strict identifier, checked wherever one enters
 * (cartridge, extractor output, graph store) and never built from anything else.
 */
export const entityTypePattern = /^[A-Z][A-Za-z0-9_]{0,63}$/;

/** Labels the graph store gives its own nodes; an entity type of the same name would blur them. */
export const reservedEntityTypes: readonly string[] = ['Entity', 'Document'];

/**
 * Bounds that keep extraction linear and its output proportionate, whatever the text. A chunk that
 * hits a per-chunk cap is listed in `truncated.chunks`; what the per-document caps drop is counted.
 */
export const entityLimits = {
  maxDefinitions: 100,
  maxTermsPerDefinition: 10_000,
  /** Characters; also bounds the work of one dictionary lookup. */
  maxTermLength: 200,
  maxPatternsPerDefinition: 50,
  maxPatternLength: 1_000,
  /** A longer surface form is not a name (think of a pattern matching a whole paragraph): ignored. */
  maxNameLength: 200,
  /** Raw matches (terms and patterns) read from one chunk; scanning the chunk stops there. */
  maxMatchesPerChunk: 10_000,
  /** Distinct entities kept per chunk, in order of first appearance. */
  maxEntitiesPerChunk: 200,
  /**
   * Co-occurrence pairs are formed among a chunk's first 50 distinct entities only: at most
   * 50 * 49 / 2 = 1,225 pairs per chunk, so one dense chunk cannot produce millions of edges.
   */
  maxPairedEntitiesPerChunk: 50,
  /** Kept by number of chunks mentioning them, then type and key. */
  maxEntitiesPerDocument: 10_000,
  /** Kept by weight, then endpoints. */
  maxRelationsPerDocument: 50_000,
} as const;

/** One entry of the cartridge's `entities` section. */
export interface EntityDefinition {
  type: string;
  /** Dictionary phrases, matched as whole words; whitespace inside a phrase matches any whitespace. */
  terms?: readonly string[];
  /** Regular expressions (JavaScript syntax, `u` flag); the whole match is the surface form. */
  patterns?: readonly string[];
  /** Default false: matching ignores case and keys are lower-cased. */
  caseSensitive?: boolean;
}

export interface ChunkText {
  chunkIndex: number;
  text: string;
}

export interface EntityRef {
  type: string;
  /** Normalised surface form: NFC, whitespace collapsed, lower-cased unless the type is case-sensitive. */
  key: string;
}

/** One entity in one chunk (repeats within the chunk are counted, not listed). */
export interface EntityMention extends EntityRef {
  /** Display name: the cartridge's spelling of a term, or the surface form a pattern matched. */
  name: string;
  chunkIndex: number;
  occurrences: number;
}

/** One entity of a document, with the chunks that mention it (ascending). */
export interface DocumentEntity extends EntityRef {
  name: string;
  chunkIndexes: number[];
}

/** Two distinct entities found in the same chunk; weight = the number of such chunks. */
export interface EntityRelation {
  from: EntityRef;
  to: EntityRef;
  weight: number;
}

export interface ExtractedEntities {
  /** By chunk index, then first appearance in the chunk. */
  mentions: EntityMention[];
  /** By type, then key. */
  entities: DocumentEntity[];
  /** Each unordered pair once, `from` < `to` by (type, key); sorted by from, then to. */
  relations: EntityRelation[];
  truncated: {
    /** Chunks where a per-chunk cap applied (ascending). */
    chunks: number[];
    /** Entities and relations beyond the per-document caps. */
    entities: number;
    relations: number;
  };
}

/** `pattern` compiled as the extractor runs it, or the reason it cannot be (for cartridge errors). */
export function entityPatternProblem(pattern: string, caseSensitive: boolean): string | null {
  let regex: RegExp;
  try {
    regex = compilePattern(pattern, caseSensitive);
  } catch (error) {
    return `not a valid regular expression: ${(error as Error).message}`;
  }
  // An expression that matches nothing at all would produce empty names everywhere.
  if (regex.test('')) return 'must not match the empty string';
  return null;
}

/** The key of a surface form: what makes two mentions the same entity within a type. */
export function entityKey(surface: string, caseSensitive = false): string {
  const collapsed = collapseWhitespace(surface.normalize('NFC'));
  return caseSensitive ? collapsed : collapsed.toLowerCase();
}

export type EntityExtractor = (chunks: readonly ChunkText[]) => ExtractedEntities;

/**
 * Compiles the definitions once (one dictionary trie per case mode, one RegExp per pattern), so a
 * worker reuses the result for every document of a cartridge version.
 */
export function compileEntityExtractor(definitions: readonly EntityDefinition[]): EntityExtractor {
  const compiled = compile(definitions);
  return (chunks) => extract(compiled, chunks);
}

export function extractEntities(
  definitions: readonly EntityDefinition[],
  chunks: readonly ChunkText[],
): ExtractedEntities {
  return compileEntityExtractor(definitions)(chunks);
}

// ---------------------------------------------------------------------------------------------
// Compilation

interface TermEntry {
  type: string;
  key: string;
  name: string;
}

/** A character trie over folded terms: one lookup costs at most the longest term, whatever the count. */
interface TrieNode {
  children: Map<number, TrieNode>;
  /** Entities whose term ends here (several types may share a term). */
  terms: TermEntry[];
}

interface CompiledPattern {
  type: string;
  caseSensitive: boolean;
  regex: RegExp;
}

interface Compiled {
  /** Index 0: case-insensitive terms, 1: case-sensitive terms. */
  tries: [TrieNode | null, TrieNode | null];
  patterns: CompiledPattern[];
}

function compile(definitions: readonly EntityDefinition[]): Compiled {
  const tries: [TrieNode | null, TrieNode | null] = [null, null];
  const patterns: CompiledPattern[] = [];
  definitions.forEach((definition, index) => {
    if (!entityTypePattern.test(definition.type) || reservedEntityTypes.includes(definition.type)) {
      throw invalidDefinition(`entities.${index}.type`, `'${definition.type}' is not a valid entity type`);
    }
    const caseSensitive = definition.caseSensitive ?? false;
    const mode = caseSensitive ? 1 : 0;
    for (const term of definition.terms ?? []) {
      const name = collapseWhitespace(term.normalize('NFC'));
      if (name.length === 0 || name.length > entityLimits.maxTermLength) continue;
      const root = (tries[mode] ??= newNode());
      let node = root;
      for (const code of foldedCodes(name, caseSensitive)) {
        let next = node.children.get(code);
        if (!next) node.children.set(code, (next = newNode()));
        node = next;
      }
      // The first spelling of a term (in cartridge order) names the entity.
      const key = entityKey(name, caseSensitive);
      if (!node.terms.some((entry) => entry.type === definition.type)) {
        node.terms.push({ type: definition.type, key, name });
      }
    }
    (definition.patterns ?? []).forEach((pattern, patternIndex) => {
      const problem = entityPatternProblem(pattern, caseSensitive);
      if (problem) throw invalidDefinition(`entities.${index}.patterns.${patternIndex}`, problem);
      patterns.push({ type: definition.type, caseSensitive, regex: compilePattern(pattern, caseSensitive) });
    });
  });
  return { tries, patterns };
}

function compilePattern(pattern: string, caseSensitive: boolean): RegExp {
  return new RegExp(pattern, caseSensitive ? 'gu' : 'giu');
}

function invalidDefinition(path: string, message: string): MissionflowError {
  return new MissionflowError('invalid_cartridge', `${path}: ${message}`, [{ path, message }]);
}

function newNode(): TrieNode {
  return { children: new Map(), terms: [] };
}

// ---------------------------------------------------------------------------------------------
// Extraction

/** An entity within one chunk while the chunk is scanned. */
interface ChunkEntity {
  type: string;
  key: string;
  name: string;
  firstOffset: number;
  occurrences: number;
}

function extract(compiled: Compiled, chunks: readonly ChunkText[]): ExtractedEntities {
  return assembleEntities(chunks, (text, record) => {
    let complete = true;
    compiled.tries.forEach((trie, mode) => {
      if (trie && complete) complete = scanTerms(trie, mode === 1, text, record);
    });
    for (const pattern of compiled.patterns) {
      if (!complete) break;
      complete = scanPattern(pattern, text, record);
    }
    return complete;
  });
}

/**
 * Receives one match while a chunk is scanned, at its offset in the chunk. Returns false once the
 * chunk's match budget (`entityLimits.maxMatchesPerChunk`) is spent: the scan should stop there.
 */
export type EntityRecorder = (type: string, key: string, name: string, offset: number) => boolean;

/**
 * Reads one chunk's text, passing every match to `record`; returns false when it stopped early
 * (the budget ran out), so the chunk is listed as truncated.
 */
export type ChunkScanner = (text: string, record: EntityRecorder) => boolean;

/**
 * What every extractor does once it can find matches: turns the matches of each chunk into mentions,
 * document entities and co-occurrence relations, with the per-chunk and per-document caps of
 * `entityLimits`. Shared so that the extractors' outputs have one shape and one ordering, whatever
 * finds the matches. Chunks are read in chunk-index order whatever order they are given in.
 */
export function assembleEntities(chunks: readonly ChunkText[], scanChunk: ChunkScanner): ExtractedEntities {
  const ordered = [...chunks].sort((a, b) => a.chunkIndex - b.chunkIndex);
  const mentions: EntityMention[] = [];
  const entities = new Map<string, DocumentEntity>();
  const relations = new Map<string, EntityRelation>();
  const truncatedChunks = new Set<number>();

  for (const { chunkIndex, text } of ordered) {
    const found = new Map<string, ChunkEntity>();
    let matches = 0;
    const record: EntityRecorder = (type, key, name, offset) => {
      if (++matches > entityLimits.maxMatchesPerChunk) return false;
      const id = refId(type, key);
      const seen = found.get(id);
      if (!seen) found.set(id, { type, key, name, firstOffset: offset, occurrences: 1 });
      else {
        seen.occurrences += 1;
        if (offset < seen.firstOffset) Object.assign(seen, { firstOffset: offset, name });
      }
      return true;
    };
    if (!scanChunk(text, record)) truncatedChunks.add(chunkIndex);

    const inChunk = [...found.values()].sort((a, b) => a.firstOffset - b.firstOffset || compareRefs(a, b));
    if (inChunk.length > entityLimits.maxEntitiesPerChunk) {
      truncatedChunks.add(chunkIndex);
      inChunk.length = entityLimits.maxEntitiesPerChunk;
    }
    for (const entity of inChunk) {
      const { type, key, name, occurrences } = entity;
      mentions.push({ type, key, name, chunkIndex, occurrences });
      const id = refId(type, key);
      const known = entities.get(id);
      if (!known) entities.set(id, { type, key, name, chunkIndexes: [chunkIndex] });
      else if (known.chunkIndexes[known.chunkIndexes.length - 1] !== chunkIndex) {
        known.chunkIndexes.push(chunkIndex);
      }
    }

    const paired = inChunk.slice(0, entityLimits.maxPairedEntitiesPerChunk);
    if (paired.length < inChunk.length) truncatedChunks.add(chunkIndex);
    for (let i = 0; i < paired.length; i++) {
      for (let j = i + 1; j < paired.length; j++) {
        const [from, to] = orderPair(paired[i] as ChunkEntity, paired[j] as ChunkEntity);
        const id = `${refId(from.type, from.key)}\u0001${refId(to.type, to.key)}`;
        const known = relations.get(id);
        if (known) known.weight += 1;
        else
          relations.set(id, {
            from: { type: from.type, key: from.key },
            to: { type: to.type, key: to.key },
            weight: 1,
          });
      }
    }
  }

  // Per-document caps: keep the best-supported entities, then the heaviest relations among them.
  let keptEntities = [...entities.values()];
  let droppedEntities = 0;
  if (keptEntities.length > entityLimits.maxEntitiesPerDocument) {
    keptEntities.sort((a, b) => b.chunkIndexes.length - a.chunkIndexes.length || compareRefs(a, b));
    droppedEntities = keptEntities.length - entityLimits.maxEntitiesPerDocument;
    keptEntities = keptEntities.slice(0, entityLimits.maxEntitiesPerDocument);
  }
  const keptIds = new Set(keptEntities.map((entity) => refId(entity.type, entity.key)));
  let keptRelations = [...relations.values()];
  const relationCount = keptRelations.length;
  if (droppedEntities > 0) {
    keptRelations = keptRelations.filter(
      (relation) =>
        keptIds.has(refId(relation.from.type, relation.from.key)) &&
        keptIds.has(refId(relation.to.type, relation.to.key)),
    );
  }
  if (keptRelations.length > entityLimits.maxRelationsPerDocument) {
    keptRelations.sort((a, b) => b.weight - a.weight || compareRelations(a, b));
    keptRelations = keptRelations.slice(0, entityLimits.maxRelationsPerDocument);
  }
  const keptMentions =
    droppedEntities > 0
      ? mentions.filter((mention) => keptIds.has(refId(mention.type, mention.key)))
      : mentions;

  return {
    mentions: keptMentions,
    entities: keptEntities.sort(compareRefs),
    relations: keptRelations.sort(compareRelations),
    truncated: {
      chunks: [...truncatedChunks].sort((a, b) => a - b),
      entities: droppedEntities,
      relations: relationCount - keptRelations.length,
    },
  };
}

/**
 * Leftmost-longest dictionary matching with a trie walk from every position that can start a word:
 * each walk reads at most the longest term, so the scan is linear in the text for any number of
 * terms. A match must not touch a word character on either side (whole words), and any run of
 * whitespace in the text matches the single space of a term. Returns false when the chunk's match
 * budget ran out.
 */
function scanTerms(root: TrieNode, caseSensitive: boolean, text: string, record: EntityRecorder): boolean {
  let start = 0;
  while (start < text.length) {
    if (isWordBefore(text, start)) {
      start += 1;
      continue;
    }
    let node: TrieNode | undefined = root;
    let position = start;
    let best: { end: number; terms: TermEntry[] } | null = null;
    while (node && position < text.length) {
      const code = text.charCodeAt(position);
      let width = 1;
      if (isWhitespace(code)) {
        while (position + width < text.length && isWhitespace(text.charCodeAt(position + width))) width += 1;
        node = node.children.get(0x20);
      } else if (code < 0x80) {
        // ASCII, most text: fold without building strings.
        node = node.children.get(!caseSensitive && code >= 0x41 && code <= 0x5a ? code + 0x20 : code);
      } else {
        const codePoint = text.codePointAt(position) as number;
        width = codePoint > 0xffff ? 2 : 1;
        const char = String.fromCodePoint(codePoint);
        const folded = caseSensitive ? char : char.toLowerCase();
        for (let i = 0; i < folded.length && node; i++) node = node.children.get(folded.charCodeAt(i));
      }
      position += width;
      if (node && node.terms.length > 0 && !isWordAt(text, position)) {
        best = { end: position, terms: node.terms };
      }
    }
    if (!best) {
      start += 1;
      continue;
    }
    for (const term of best.terms) {
      if (!record(term.type, term.key, term.name, start)) return false;
    }
    start = best.end;
  }
  return true;
}

function scanPattern(pattern: CompiledPattern, text: string, record: EntityRecorder): boolean {
  const { regex } = pattern;
  regex.lastIndex = 0;
  for (let match = regex.exec(text); match; match = regex.exec(text)) {
    const surface = match[0];
    if (surface.length === 0) {
      // Possible even for a pattern that does not match '' (e.g. a lookahead alternative).
      regex.lastIndex += 1;
      continue;
    }
    const name = collapseWhitespace(surface);
    if (name.length === 0 || name.length > entityLimits.maxNameLength) continue;
    if (!record(pattern.type, entityKey(name, pattern.caseSensitive), name, match.index)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Characters and ordering

const whitespace = /\s/;

/** JavaScript's \s, with the common ASCII cases answered without a regular expression. */
function isWhitespace(code: number): boolean {
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return whitespace.test(String.fromCharCode(code));
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** UTF-16 codes of a term as the trie stores it: folded per code point, as the scan reads text. */
function* foldedCodes(term: string, caseSensitive: boolean): Generator<number> {
  for (const char of term) {
    const folded = isWhitespace(char.charCodeAt(0)) ? ' ' : caseSensitive ? char : char.toLowerCase();
    for (let i = 0; i < folded.length; i++) yield folded.charCodeAt(i);
  }
}

function refId(type: string, key: string): string {
  return `${type}\u0000${key}`;
}

/** Code-unit order, never locale order: the output must not depend on the machine. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRefs(a: EntityRef, b: EntityRef): number {
  return compareStrings(a.type, b.type) || compareStrings(a.key, b.key);
}

function compareRelations(a: EntityRelation, b: EntityRelation): number {
  return compareRefs(a.from, b.from) || compareRefs(a.to, b.to);
}

function orderPair<T extends EntityRef>(a: T, b: T): [T, T] {
  return compareRefs(a, b) <= 0 ? [a, b] : [b, a];
}
