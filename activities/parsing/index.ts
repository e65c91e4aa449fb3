import { MissionflowError } from '../../domain/errors';
import { normaliseText, decodeText, type TextEncodingName } from '../../domain/text';
import { paragraphsOf, type ParsedDocument } from '../../domain/parsed';
import type { SupportedMediaType } from '../../domain/media-types';
import { binaryMediaTypes, parseBinary } from './binary';
import { parseHtml } from './html';
import { parseMarkdown } from './markdown';
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
  const blocks = parsed.blocks
    .map((block) => ({ ...block, text: normaliseText(block.text) }))
    .filter((block) => block.text.length > 0);
  if (blocks.length === 0) throw new MissionflowError('no_text', 'the document contains no extractable text');
  return { document: { title: parsed.title ? normaliseText(parsed.title) : null, blocks }, encoding };
}
