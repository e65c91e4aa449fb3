import type { Block } from './parsed';

export interface ChunkingOptions {
  /** Target maximum characters per chunk. */
  size: number;
  /** Characters carried from the end of one chunk into the next within a section. */
  overlap: number;
}

export interface Chunk {
  index: number;
  text: string;
  /** Heading path of the section the chunk starts in, e.g. "Results > Costs". */
  heading: string | null;
}

/**
 * Chunks by structure: a heading starts a new chunk once the current one holds a quarter of the
 * target size (so tiny sections merge instead of producing crumbs), paragraphs are packed up to the
 * size, and oversize paragraphs are split at sentence, then word boundaries. Overlap is only added
 * between chunks of the same section, where context actually continues.
 */
export function chunkBlocks(blocks: readonly Block[], options: ChunkingOptions): Chunk[] {
  const { size, overlap } = options;
  const chunks: Chunk[] = [];
  const headingPath: string[] = [];
  let pieces: string[] = [];
  let length = 0;
  let chunkHeading: string | null = null;

  const flush = (): string | null => {
    if (pieces.length === 0) return null;
    const text = pieces.join('\n\n');
    chunks.push({ index: chunks.length, text, heading: chunkHeading });
    pieces = [];
    length = 0;
    return text;
  };

  const add = (piece: string) => {
    if (pieces.length === 0) chunkHeading = headingPath.length > 0 ? headingPath.join(' > ') : null;
    pieces.push(piece);
    length += piece.length + (pieces.length > 1 ? 2 : 0);
  };

  for (const block of blocks) {
    if (block.kind === 'heading') {
      if (length >= size / 4) flush();
      headingPath.splice(Math.max(0, block.level - 1));
      headingPath.push(block.text);
      add(block.text);
      continue;
    }
    for (const piece of splitToSize(block.text, size - overlap)) {
      if (length > 0 && length + piece.length + 2 > size) {
        const previous = flush();
        const tail = previous ? overlapTail(previous, overlap) : '';
        if (tail) add(tail);
      }
      add(piece);
    }
  }
  flush();
  return chunks;
}

/** The last `overlap` characters of a chunk, starting at a word boundary. */
function overlapTail(text: string, overlap: number): string {
  if (overlap <= 0 || text.length <= overlap) return '';
  const start = text.length - overlap;
  const space = text.indexOf(' ', start);
  return space === -1 ? '' : text.slice(space + 1).trim();
}

/** Splits text into pieces of at most `max` characters at sentence, then word, then hard limits. */
export function splitToSize(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const sentences = text.match(/[^.!?\n]+(?:[.!?]+|\n|$)\s*/g) ?? [text];
  const pieces: string[] = [];
  let current = '';
  for (const sentence of sentences) {
    for (const part of sentence.length > max ? splitWords(sentence, max) : [sentence]) {
      if (current.length + part.length > max && current.length > 0) {
        pieces.push(current.trim());
        current = '';
      }
      current += part;
    }
  }
  if (current.trim().length > 0) pieces.push(current.trim());
  return pieces;
}

function splitWords(text: string, max: number): string[] {
  const parts: string[] = [];
  let current = '';
  for (const word of text.split(/(?<=\s)/)) {
    if (word.length > max) {
      if (current) parts.push(current);
      current = '';
      for (let i = 0; i < word.length; i += max) parts.push(word.slice(i, i + max));
      continue;
    }
    if (current.length + word.length > max) {
      parts.push(current);
      current = '';
    }
    current += word;
  }
  if (current) parts.push(current);
  return parts;
}
