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

interface Piece {
  text: string;
  /** Which section (counted by headings) the piece belongs to. */
  section: number;
  isHeading: boolean;
}

/**
 * Chunks by structure: a heading starts a new chunk once the current one holds a quarter of the
 * target size (so tiny sections merge instead of producing crumbs), paragraphs are packed up to the
 * size, and oversize paragraphs are split at sentence, then word boundaries. A heading is never left
 * at the end of a chunk without its text, and overlap is only carried between chunks of the same
 * section, where the context actually continues. No chunk exceeds `size`.
 */
export function chunkBlocks(blocks: readonly Block[], options: ChunkingOptions): Chunk[] {
  const { size, overlap } = options;
  const separator = '\n\n';
  const chunks: Chunk[] = [];
  const headingPath: string[] = [];
  let section = 0;
  let pieces: Piece[] = [];
  // Kept as a running total: re-measuring per piece made many tiny paragraphs quadratic.
  let length = 0;
  let chunkHeading: string | null = null;

  const lengthWith = (piece: Piece) =>
    length + (pieces.length > 0 ? separator.length : 0) + piece.text.length;

  const emit = (list: readonly Piece[]) => {
    if (list.length === 0) return;
    chunks.push({
      index: chunks.length,
      text: list.map((piece) => piece.text).join(separator),
      heading: chunkHeading,
    });
  };

  const add = (piece: Piece) => {
    if (pieces.length === 0) chunkHeading = headingPath.length > 0 ? headingPath.join(' > ') : null;
    length = lengthWith(piece);
    pieces.push(piece);
  };

  const reset = () => {
    pieces = [];
    length = 0;
  };

  /** Ends the chunk because it is full; trailing headings and same-section overlap move on. */
  const flushFull = () => {
    let cut = pieces.length;
    while (cut > 0 && pieces[cut - 1]?.isHeading) cut--;
    const done = pieces.slice(0, cut);
    const carried = pieces.slice(cut);
    emit(done);
    const sameSection = done.filter((piece) => piece.section === section && !piece.isHeading);
    const tail = overlapTail(sameSection.map((piece) => piece.text).join(separator), overlap);
    reset();
    if (tail && carried.length === 0) add({ text: tail, section, isHeading: false });
    for (const piece of carried) add(piece);
  };

  for (const block of blocks) {
    if (block.kind === 'heading') {
      if (length >= size / 4) {
        emit(pieces);
        reset();
      }
      section++;
      headingPath.splice(Math.max(0, block.level - 1));
      headingPath.push(block.text);
      for (const part of splitToSize(block.text, size)) add({ text: part, section, isHeading: true });
      continue;
    }
    // Room for a carried overlap tail and a separator: a chunk never exceeds `size`.
    for (const part of splitToSize(block.text, Math.max(1, size - overlap - separator.length))) {
      const piece = { text: part, section, isHeading: false };
      if (pieces.length > 0 && lengthWith(piece) > size) flushFull();
      if (pieces.length > 0 && lengthWith(piece) > size) {
        // Carried headings plus this piece still do not fit: give the headings a chunk of their own.
        emit(pieces);
        reset();
      }
      add(piece);
    }
  }
  emit(pieces);
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
  // Every character belongs to exactly one sentence (a sentence may start with '.', as in '.NET').
  const matched = (text.match(/[^.!?\n]*(?:[.!?]+|\n|$)\s*/g) ?? []).filter((part) => part.length > 0);
  const sentences = matched.join('') === text ? matched : [text];
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
