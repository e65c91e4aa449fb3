import {
  decodeText,
  isWordAt,
  isWordBefore,
  isWordCodePoint,
  normaliseText,
  wordCharacterClass,
} from '../../domain/text';

const utf16be = (text: string): Buffer => {
  const bytes = Buffer.from(text, 'utf16le');
  bytes.swap16();
  return bytes;
};

describe('decodeText', () => {
  it('strips a UTF-8 byte-order mark', () => {
    const decoded = decodeText(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Zürich', 'utf8')]),
    );
    expect(decoded).toEqual({ text: 'Zürich', encoding: 'utf-8' });
  });

  it('reads UTF-16LE after its byte-order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Grüße, 東京', 'utf16le')]);
    expect(decodeText(bytes)).toEqual({ text: 'Grüße, 東京', encoding: 'utf-16le' });
  });

  it('reads UTF-16BE after its byte-order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be('Grüße, 東京')]);
    expect(decodeText(bytes)).toEqual({ text: 'Grüße, 東京', encoding: 'utf-16be' });
  });

  it('reads valid UTF-8 without a mark, including characters outside the BMP', () => {
    const text = 'naïve café – 東京 🚀';
    expect(decodeText(Buffer.from(text, 'utf8'))).toEqual({ text, encoding: 'utf-8' });
  });

  it('reads empty input as empty UTF-8', () => {
    expect(decodeText(new Uint8Array())).toEqual({ text: '', encoding: 'utf-8' });
  });

  it('falls back to Windows-1252 when the bytes are not valid UTF-8', () => {
    expect(decodeText(Buffer.from([0x43, 0x61, 0x66, 0xe9]))).toEqual({
      text: 'Café',
      encoding: 'windows-1252',
    });
    expect(decodeText(Buffer.from([0x4e, 0xe4, 0x68, 0x65, 0xff]))).toEqual({
      text: 'Nähe\u00ff',
      encoding: 'windows-1252',
    });
  });

  it('maps 0x80-0x9F by the Windows-1252 table (euro, curly quotes, dashes), not as Latin-1 controls', () => {
    expect(
      decodeText(Buffer.from([0x80, 0x20, 0x93, 0x68, 0x69, 0x94, 0x20, 0x96, 0x20, 0x99, 0xe9])),
    ).toEqual({
      text: '€ “hi” – ™é',
      encoding: 'windows-1252',
    });
    // The five bytes Windows-1252 leaves undefined keep their code points (WHATWG) and are then
    // removed as control characters by normalisation.
    expect(decodeText(Buffer.from([0x61, 0x81, 0x62, 0xe9])).text).toBe('a\u0081bé');
  });

  it('treats a truncated UTF-8 sequence as Windows-1252, never as replacement characters', () => {
    const truncated = Buffer.from('caf\u00e9', 'utf8').subarray(0, 4);
    const decoded = decodeText(truncated);
    expect(decoded.encoding).toBe('windows-1252');
    expect(decoded.text).not.toContain('\ufffd');
    expect(decoded.text).toBe('caf\u00c3');
  });
});

describe('normaliseText', () => {
  it('removes C1 control characters too', () => {
    expect(normaliseText('a\u0081b\u009fc')).toBe('a b c');
  });

  it('removes NUL and other C0 control characters, keeping words apart', () => {
    const normalised = normaliseText('before\u0000after\u0001x\u0008y\u000bz\u000c1\u001f2\u007f3');
    expect(normalised).toBe('before after x y z 1 2 3');
    // eslint-disable-next-line no-control-regex
    expect(normalised).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
  });

  it('unifies CRLF and lone CR line ends into LF, keeping blank lines', () => {
    expect(normaliseText('one\r\ntwo\rthree\n\r\nfour')).toBe('one\ntwo\nthree\n\nfour');
  });

  it('composes to NFC', () => {
    const decomposed = 'Cafe\u0301 A\u030angstro\u0308m';
    const normalised = normaliseText(decomposed);
    expect(normalised).toBe('Café Ångström');
    expect(normalised).toBe(normalised.normalize('NFC'));
    expect(normalised.length).toBe(13);
  });

  it('collapses runs of spaces, tabs and no-break spaces, and trims lines and ends', () => {
    expect(normaliseText('  a \t\t b\u00a0\u00a0c  \n   d   \n\n e  ')).toBe('a b c\nd\n\ne');
  });

  it('leaves clean text unchanged', () => {
    const clean = 'Title\n\nFirst paragraph, with punctuation: “quotes” and é.\nSecond line.';
    expect(normaliseText(clean)).toBe(clean);
  });
});

describe('word characters', () => {
  const isWord = (char: string) => isWordCodePoint(char.codePointAt(0) as number);

  it('are letters, combining marks and numbers of any script', () => {
    for (const char of ['a', 'Z', '7', 'é', 'ß', 'İ', 'Ω', 'ж', 'ا', '東', 'ก', '\u0301', '٣', '²', '𝐀']) {
      expect([char, isWord(char)]).toEqual([char, true]);
    }
  });

  it('include `_` and every other connector: the PII scan once took `_` alone', () => {
    // U+FF3F fullwidth low line, U+203F undertie, U+2040 character tie, U+FE4F wavy low line.
    for (const char of ['_', '\uff3f', '\u203f', '\u2040', '\ufe4f']) {
      expect([char, isWord(char)]).toEqual([char, true]);
    }
  });

  it('exclude spaces, punctuation, symbols, emoji and invisible joiners', () => {
    for (const char of [
      ' ',
      '\u00a0',
      '-',
      '.',
      "'",
      '@',
      '$',
      '€',
      '+',
      '😀',
      '\u200d',
      '\u200c',
      '\ufeff',
    ]) {
      expect([char, isWord(char)]).toEqual([char, false]);
    }
  });

  it('as a character class, match exactly what isWordCodePoint accepts', () => {
    const pattern = new RegExp(`^[${wordCharacterClass}]$`, 'u');
    for (const char of ['a', '7', 'é', '\u0301', '_', '\uff3f', '𝐀', ' ', '-', '$', '😀', '\u200d']) {
      expect([char, pattern.test(char)]).toEqual([char, isWord(char)]);
    }
  });
});

describe('word boundaries', () => {
  it('read a character outside the basic plane whole, on either side', () => {
    const text = '𝐀b😀';
    expect(isWordAt(text, 0)).toBe(true);
    expect(isWordBefore(text, 2)).toBe(true);
    expect(isWordAt(text, 3)).toBe(false);
    expect(isWordBefore(text, 5)).toBe(false);
  });

  it('see nothing before the start or past the end: the entity scan once read index -1', () => {
    expect(isWordBefore('abc', 0)).toBe(false);
    expect(isWordAt('abc', 3)).toBe(false);
    expect(isWordAt('abc', -1)).toBe(false);
    expect(isWordBefore('abc', 4)).toBe(false);
  });

  it('read a lone trail surrogate as itself, not as the pair it would end', () => {
    // 'a' then a stray low surrogate: no pair, and a surrogate is no word character.
    expect(isWordBefore('a\udc00', 2)).toBe(false);
    expect(isWordBefore('a\udc00', 1)).toBe(true);
  });
});
