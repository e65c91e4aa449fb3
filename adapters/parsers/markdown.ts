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
    const heading = inFence ? null : atxHeading(line);
    if (heading) {
      flush();
      blocks.push({ kind: 'heading', ...heading });
    } else {
      pending.push(line);
    }
  }
  flush();
  const first = blocks.find((block) => block.kind === 'heading' && block.level === 1);
  return { title: first?.text ?? null, blocks };
}

/**
 * An ATX heading (`## Title ##`), read with an anchored prefix and plain string trimming: a
 * backtracking pattern over a long line of untrusted text could take hours.
 */
function atxHeading(line: string): { level: number; text: string } | null {
  const prefix = /^ {0,3}(#{1,6})(?=\s|$)/.exec(line);
  if (!prefix?.[1]) return null;
  let text = line.slice(prefix[0].length).trim();
  const closing = text.replace(/#+$/, '');
  if (closing.length === 0 || /\s$/.test(closing)) text = closing.trim();
  return text ? { level: prefix[1].length, text } : null;
}
