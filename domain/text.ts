/**
 * How bytes become text, a documented rule: a byte-order mark decides first (UTF-8, UTF-16LE,
 * UTF-16BE); otherwise the bytes must be valid UTF-8; otherwise they are read as Windows-1252,
 * which maps every byte to a character, so decoding never fails.
 */
export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface DecodedText {
  text: string;
  encoding: TextEncodingName;
}

export function decodeText(bytes: Uint8Array): DecodedText {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8' };
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le' };
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be' };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: decodeWindows1252(bytes), encoding: 'windows-1252' };
  }
}

/**
 * Windows-1252 differs from Latin-1 only in 0x80-0x9F (the euro sign, curly quotes, dashes...).
 * Decoded by table because Node's own TextDecoder('windows-1252') reads those bytes as Latin-1
 * control characters on current Node 20 and 22 releases. The five bytes Windows-1252 leaves
 * undefined keep their Latin-1 code points, as the WHATWG Encoding Standard specifies.
 */
const windows1252High = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
];

function decodeWindows1252(bytes: Uint8Array): string {
  let text = '';
  for (let start = 0; start < bytes.length; start += 8192) {
    const codes = Array.from(bytes.subarray(start, start + 8192), (byte) =>
      byte >= 0x80 && byte <= 0x9f ? (windows1252High[byte - 0x80] as number) : byte,
    );
    text += String.fromCharCode(...codes);
  }
  return text;
}

/**
 * Normalises extracted text for storage and search: Unicode NFC, unified line ends, no NUL or
 * other C0 control characters (PostgreSQL text cannot hold NUL), collapsed runs of spaces.
 */
export function normaliseText(text: string): string {
  return (
    text
      .normalize('NFC')
      .replace(/\r\n?/g, '\n')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, ' ')
      .replace(/[ \t\u00a0]+/g, ' ')
      .replace(/ *\n */g, '\n')
      .trim()
  );
}

// ---------------------------------------------------------------------------------------------
// Word boundaries
//
// What a whole-word match (an entity term, a PII finding, a date or an amount) must not touch:
// Unicode's word characters (UTS #18 `\w`, less the invisible joiners) in every script, so that a
// boundary means the same in the PII scan and in every entity extractor.

/**
 * The body of a regular-expression character class (for a `u`-flag expression) matching one word
 * character: letters, combining marks, numbers, and connector punctuation (`_` and the likes of
 * fullwidth `＿`, which East Asian text uses the same way).
 */
export const wordCharacterClass = '\\p{L}\\p{M}\\p{N}\\p{Pc}';

const wordCharacter = new RegExp(`[${wordCharacterClass}]`, 'u');

export function isWordCodePoint(codePoint: number): boolean {
  // ASCII, most text, is answered without a regular expression.
  if (codePoint < 0x80) {
    return (
      (codePoint >= 0x30 && codePoint <= 0x39) ||
      (codePoint >= 0x41 && codePoint <= 0x5a) ||
      (codePoint >= 0x61 && codePoint <= 0x7a) ||
      codePoint === 0x5f
    );
  }
  return wordCharacter.test(String.fromCodePoint(codePoint));
}

/** Does a word character start at UTF-16 index `index`? (false at or past the end) */
export function isWordAt(text: string, index: number): boolean {
  return index >= 0 && index < text.length && isWordCodePoint(text.codePointAt(index) as number);
}

/** Does a word character end just before UTF-16 index `index`? (false at the start) */
export function isWordBefore(text: string, index: number): boolean {
  if (index <= 0 || index > text.length) return false;
  const last = text.charCodeAt(index - 1);
  const lead = index >= 2 ? text.charCodeAt(index - 2) : 0;
  // A character outside the BMP ends in a surrogate pair: read the pair from its first half.
  const pairs = last >= 0xdc00 && last <= 0xdfff && lead >= 0xd800 && lead <= 0xdbff;
  return isWordCodePoint(text.codePointAt(pairs ? index - 2 : index - 1) as number);
}
