import { filetypeinfo } from 'magic-bytes.js';
import { MissionflowError } from './errors';
import { decodeText } from './text';

export const docxMediaType = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** Scans and photos: read by OCR on the `ocr` lane. */
export const imageMediaTypes = ['image/png', 'image/jpeg', 'image/tiff'] as const;

export const supportedMediaTypes = [
  'text/plain',
  'text/markdown',
  'text/html',
  'application/pdf',
  docxMediaType,
  ...imageMediaTypes,
] as const;
export type SupportedMediaType = (typeof supportedMediaTypes)[number];

export function isImageMediaType(mediaType: string): boolean {
  return (imageMediaTypes as readonly string[]).includes(mediaType);
}

/** How many leading bytes the sniffer needs; callers capture this much of an upload. */
export const sniffBytes = 64 * 1024;

export interface SniffHints {
  /** Media type the client declared; only used to choose between text subtypes. */
  declaredType?: string | null;
  filename?: string | null;
  /**
   * The declared type decides among text types (JSON `text` submissions: the client says what its
   * string is, so markup in plain text stays verbatim text).
   */
  declaredTextIsAuthoritative?: boolean;
}

/**
 * Decides the media type from the bytes, never from the name: binary signatures first (PDF, ZIP
 * holding a Word document), anything else binary is refused, and only for text do the declared
 * type and the file name choose between plain text and Markdown. HTML is recognised by its markup.
 */
export function sniffMediaType(head: Uint8Array, hints: SniffHints = {}): SupportedMediaType {
  const candidates = filetypeinfo(head.subarray(0, 4096)).map((candidate) => candidate.typename);
  if (candidates.includes('pdf')) return 'application/pdf';
  if (candidates.includes('png')) return 'image/png';
  if (candidates.includes('jpg')) return 'image/jpeg';
  if (candidates.includes('tif') || candidates.includes('tiff')) return 'image/tiff';
  if (candidates.includes('zip')) {
    if (looksLikeWordPackage(head)) return docxMediaType;
    throw new MissionflowError('unsupported_media_type', 'a ZIP archive that is not a Word (.docx) document');
  }
  // Text is decided by the bytes themselves: signatures of binary formats can match text by chance.
  if (!isUtf16WithBom(head) && looksBinary(head)) {
    const known = filetypeinfo(head.subarray(0, 4096)).find(
      (candidate) => !isTextSignature(candidate.typename),
    );
    throw new MissionflowError(
      'unsupported_media_type',
      `cannot parse ${known?.mime ?? known?.typename ?? 'binary data'}`,
    );
  }
  const sample = decodeText(head.subarray(0, 4096)).text;
  const declared = hints.declaredType?.split(';')[0]?.trim().toLowerCase();
  if (hints.declaredTextIsAuthoritative) {
    if (declared === 'text/html') return 'text/html';
    if (declared === 'text/markdown' || declared === 'text/x-markdown') return 'text/markdown';
    return 'text/plain';
  }
  if (startsWithHtmlMarkup(sample)) return 'text/html';
  if (declared === 'text/html' && /<[a-z][\s\S]*>/i.test(sample)) return 'text/html';
  if (declared === 'text/markdown' || declared === 'text/x-markdown') return 'text/markdown';
  if (hints.filename && /\.(md|markdown)$/i.test(hints.filename)) return 'text/markdown';
  return 'text/plain';
}

/** Signatures magic-bytes reports for things that are still text we can read. */
function isTextSignature(typename: string): boolean {
  return ['html', 'xml', 'txt', 'utf8', 'utf16le', 'utf16be', 'json'].includes(typename);
}

function isUtf16WithBom(head: Uint8Array): boolean {
  return (
    head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))
  );
}

/** Text never holds NUL, and holds few C0 controls other than tab, line feed, carriage return and form feed. */
function looksBinary(head: Uint8Array): boolean {
  const sample = head.subarray(0, 8192);
  let controls = 0;
  for (const byte of sample) {
    if (byte === 0) return true;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c && byte !== 0x1b)
      controls++;
  }
  return sample.length > 0 && controls / sample.length > 0.1;
}

/**
 * The part names in the ZIP local file headers within `head` (each header: signature PK\x03\x04,
 * name length at offset 26, name at offset 30). Headers are found by signature rather than walked
 * by size, because streamed archives leave sizes to a trailing data descriptor.
 */
function zipPartNames(head: Uint8Array): string[] {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const names: string[] = [];
  for (let at = bytes.indexOf('PK\x03\x04', 0, 'latin1'); at !== -1 && at + 30 <= bytes.length;) {
    const nameLength = bytes.readUInt16LE(at + 26);
    names.push(bytes.toString('latin1', at + 30, Math.min(bytes.length, at + 30 + nameLength)));
    at = bytes.indexOf('PK\x03\x04', at + 4, 'latin1');
  }
  return names;
}

/** A Word package holds word/document.xml, or [Content_Types].xml with parts under word/. */
function looksLikeWordPackage(head: Uint8Array): boolean {
  const names = zipPartNames(head);
  return (
    names.includes('word/document.xml') ||
    (names.includes('[Content_Types].xml') && names.some((name) => name.startsWith('word/')))
  );
}

/**
 * True when the text opens (after blanks, an XML declaration and comments) with an HTML document
 * tag. Skipped with indexOf, never a backtracking pattern: this runs on untrusted uploads.
 */
function startsWithHtmlMarkup(text: string): boolean {
  let at = 0;
  for (;;) {
    while (at < text.length && /\s/.test(text.charAt(at))) at++;
    if (text.startsWith('<!--', at)) {
      const end = text.indexOf('-->', at + 4);
      if (end === -1) return false;
      at = end + 3;
    } else if (text.startsWith('<?xml', at)) {
      const end = text.indexOf('?>', at + 5);
      if (end === -1) return false;
      at = end + 2;
    } else {
      break;
    }
  }
  return /^<(?:!doctype\s+html|html|head|body)[\s>]/i.test(text.slice(at, at + 32));
}
