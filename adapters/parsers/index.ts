import { MissionflowError } from '../../domain/errors';
import { normaliseText, decodeText, type TextEncodingName } from '../../domain/text';
import { paragraphsOf, type ParsedDocument } from '../../domain/parsed';
import type { SupportedMediaType } from '../../domain/media-types';
import { binaryMediaTypes, parseBinary } from './binary';
import { parseHtml } from './html';
import { parseMarkdown } from './markdown';
import type { PageRange } from './pdf';
import { parseInChildProcess, type SandboxOptions } from './sandbox';

export interface ParseOutcome {
  document: ParsedDocument;
  /** How text bytes were decoded; null for binary formats. */
  encoding: TextEncodingName | null;
}

/**
 * Parses stored bytes of a sniffed media type into normalised headings and paragraphs. Compressed
 * formats are parsed in a memory-watched child process when `sandbox` is given (the platform always
 * gives it); text formats are parsed here, in linear time.
 */
export async function parseDocument(
  bytes: Buffer,
  mediaType: SupportedMediaType,
  limits: { maxInflatedBytes: number },
  sandbox?: SandboxOptions,
): Promise<ParseOutcome> {
  let parsed: ParsedDocument;
  let encoding: TextEncodingName | null = null;
  if (binaryMediaTypes.includes(mediaType)) {
    parsed = sandbox
      ? await parseInChildProcess(bytes, mediaType, limits, sandbox)
      : await parseBinary(bytes, mediaType, limits);
  } else {
    const decoded = decodeText(bytes);
    encoding = decoded.encoding;
    if (mediaType === 'text/html') parsed = parseHtml(decoded.text);
    else if (mediaType === 'text/markdown') parsed = parseMarkdown(normaliseText(decoded.text));
    else parsed = { title: null, blocks: paragraphsOf(normaliseText(decoded.text)) };
  }
  return { document: finish(parsed), encoding };
}

/**
 * Pages `pages` of a PDF, in the sandbox: one section of a long document (the deep lane). A section
 * with no text is not an error here: whether the document as a whole has text is decided when the
 * sections are joined.
 */
export async function parsePdfSection(
  bytes: Buffer,
  pages: PageRange,
  limits: { maxInflatedBytes: number },
  sandbox: SandboxOptions,
): Promise<ParsedDocument> {
  const parsed = await parseInChildProcess(bytes, 'application/pdf', limits, { ...sandbox, pages });
  return { ...parsed, blocks: normalisedBlocks(parsed) };
}

/** A PDF's page count and its first page's text, read in the sandbox: for routing. */
export async function readPdfOpening(
  bytes: Buffer,
  limits: { maxInflatedBytes: number },
  sandbox: SandboxOptions,
): Promise<{ pageCount: number | null; text: string }> {
  const parsed = await parseInChildProcess(bytes, 'application/pdf', limits, {
    ...sandbox,
    pages: { first: 1, last: 1 },
  });
  return { pageCount: parsed.pageCount ?? null, text: parsed.blocks.map((block) => block.text).join('\n') };
}

function normalisedBlocks(parsed: ParsedDocument): ParsedDocument['blocks'] {
  return parsed.blocks
    .map((block) => ({ ...block, text: normaliseText(block.text) }))
    .filter((block) => block.text.length > 0);
}

/** Normalised text and title; a document without any text is refused as such. */
function finish(parsed: ParsedDocument): ParsedDocument {
  const blocks = normalisedBlocks(parsed);
  if (blocks.length === 0) throw new MissionflowError('no_text', 'the document contains no extractable text');
  return {
    title: parsed.title ? normaliseText(parsed.title) : null,
    blocks,
    ...(parsed.pageCount === undefined ? {} : { pageCount: parsed.pageCount }),
  };
}
