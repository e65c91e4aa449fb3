import { Parser } from 'htmlparser2';
import type { Block, ParsedDocument } from '../../domain/parsed';

/** Elements whose content is never document text. */
const skipped = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'iframe',
  'object',
  'canvas',
  'head',
]);
/** Elements that end a paragraph. */
const blockLevel = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'aside',
  'nav',
  'li',
  'ul',
  'ol',
  'dl',
  'dt',
  'dd',
  'tr',
  'table',
  'blockquote',
  'pre',
  'br',
  'hr',
  'figure',
  'figcaption',
  'form',
  'fieldset',
  'address',
]);

/**
 * HTML to headings and paragraphs, text only: script, style and similar content is dropped, entities
 * are decoded, markup is never kept or rendered.
 */
export function parseHtml(html: string): ParsedDocument {
  const blocks: Block[] = [];
  let title: string | null = null;
  let buffer = '';
  let skipDepth = 0;
  let inTitle = false;
  let titleText = '';
  let heading: number | null = null;

  const flush = () => {
    const text = buffer.replace(/\s+/g, ' ').trim();
    buffer = '';
    if (!text) return;
    blocks.push(heading !== null ? { kind: 'heading', level: heading, text } : { kind: 'paragraph', text });
  };

  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'title') inTitle = true;
        if (skipped.has(name)) {
          skipDepth++;
          return;
        }
        if (skipDepth > 0) return;
        const level = /^h([1-6])$/.exec(name)?.[1];
        if (level) {
          flush();
          heading = Number(level);
        } else if (blockLevel.has(name)) {
          flush();
        }
      },
      ontext(text) {
        if (inTitle) titleText += text;
        if (skipDepth === 0) buffer += text;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (skipped.has(name)) {
          skipDepth = Math.max(0, skipDepth - 1);
          return;
        }
        if (skipDepth > 0) return;
        if (/^h[1-6]$/.test(name)) {
          flush();
          heading = null;
        } else if (blockLevel.has(name)) {
          flush();
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  flush();
  title = titleText.replace(/\s+/g, ' ').trim() || null;
  return { title, blocks };
}
