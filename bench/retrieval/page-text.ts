import { Parser } from 'htmlparser2';

/** Elements whose content is not read as page text. */
const hidden = new Set(['script', 'style', 'head', 'noscript', 'template', 'svg']);
/** Elements that separate words even when the markup has no blank between them. */
const separating = /^(p|div|h[1-6]|li|dt|dd|tr|td|th|table|pre|br|hr|blockquote|section)$/;

export interface PageText {
  title: string;
  text: string;
}

/**
 * A page's title and visible text, for the BM25 reference. Deliberately independent of the
 * platform's own HTML parser, so the reference does not share its mistakes.
 */
export function pageText(html: string): PageText {
  let title = '';
  let inTitle = false;
  let hiddenDepth = 0;
  const parts: string[] = [];
  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'title') inTitle = true;
        if (hidden.has(name)) hiddenDepth++;
        if (separating.test(name)) parts.push(' ');
      },
      ontext(text) {
        if (inTitle) title += text;
        else if (hiddenDepth === 0) parts.push(text);
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (hidden.has(name)) hiddenDepth = Math.max(0, hiddenDepth - 1);
        if (separating.test(name)) parts.push(' ');
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return { title: collapse(title), text: collapse(parts.join('')) };
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
