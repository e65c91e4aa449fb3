/** The structure a parser hands to the chunker: headings and paragraphs in reading order. */
export type Block = { kind: 'heading'; level: number; text: string } | { kind: 'paragraph'; text: string };

export interface ParsedDocument {
  title: string | null;
  blocks: Block[];
  /** Pages of the source document, where it has pages (PDF). */
  pageCount?: number;
}

/** Splits plain text into paragraphs at blank lines. */
export function paragraphsOf(text: string): Block[] {
  return text
    .split(/\n\s*\n/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => ({ kind: 'paragraph' as const, text: part }));
}
