import { MissionflowError } from './errors';
import { isWordAt, isWordBefore } from './text';
import { assembleEntities, type EntityRecorder } from './entity-assembly';
import {
  entityLimits,
  entityTypePattern,
  reservedEntityTypes,
  type ChunkText,
  type EntityDefinition,
  type ExtractedEntities,
} from './entity-types';

/**
 * The cartridge's entity extractor: dictionary terms and regular expressions per entity type, run
 * over a document's chunks, giving the document's entities and their co-occurrence relations for
 * the entity graph. Pure and deterministic (workflows may import it): the same definitions and
 * chunks give the same output, in the same order, on every machine.
 */
export * from './entity-types';
export { assembleEntities, type ChunkScanner, type EntityRecorder } from './entity-assembly';

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
