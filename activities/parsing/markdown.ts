import type { Block, ParsedDocument } from '../../domain/parsed';
import { paragraphsOf } from '../../domain/parsed';

/**
 * Markdown by its structure: ATX headings (`#` to `######`) become headings, the rest paragraphs
 * split at blank lines. Fenced code stays one paragraph. Inline syntax is kept as written: it is
 * searchable text, not markup to render.
 */
export function parseMarkdown(text: string): ParsedDocument {
  const blocks: Block[] = [];
  let pending: string[] = [];
  let inFence = false;
  const flush = () => {
    blocks.push(...paragraphsOf(pending.join('\n')));
    pending = [];
  };
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading?.[1] && heading[2]) {
      flush();
      blocks.push({ kind: 'heading', level: heading[1].length, text: heading[2] });
    } else {
      pending.push(line);
    }
  }
  flush();
  const first = blocks.find((block) => block.kind === 'heading' && block.level === 1);
  return { title: first?.text ?? null, blocks };
}
