import { hostileTexts } from '../../bench/hostile-texts';
import { MissionflowError } from '../../domain/errors';
import {
  compilePiiScanner,
  countPii,
  piiLimits,
  piiPatternProblem,
  piiTypes,
  redactPii,
  type NationalIdPattern,
  type PiiFinding,
  type PiiType,
} from '../../domain/pii';

const ssn: NationalIdPattern = { name: 'us-ssn', pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b' };
const scan = compilePiiScanner([ssn]);

/** The findings as `type:surface` (with the label for national ids), in order. */
function found(text: string, scanner = scan): string[] {
  return scanner(text).map(
    (finding) =>
      `${finding.type}${finding.label ? `/${finding.label}` : ''}:${text.slice(finding.start, finding.end)}`,
  );
}

const allTypes = new Set<PiiType>(piiTypes);

describe('e-mail addresses', () => {
  it('finds local@domain.tld with dots, plus tags and sub-domains, leaving sentence punctuation out', () => {
    expect(
      found('Write to ada@example.com or Bob.Smith+news@mail.co.uk. (x_y%z@host-1.example.org)'),
    ).toEqual(['email:ada@example.com', 'email:Bob.Smith+news@mail.co.uk', 'email:x_y%z@host-1.example.org']);
  });

  it('ignores addresses inside longer words, without a real TLD, or with broken dots', () => {
    expect(
      found(
        'café@example.com naïveada@example.com ada@examplé.com ada@localhost ada@example.c ' +
          'ada..b@example.com .@example.com ada@-x.com a@b.com@c.org logo@2x.png @example.com ada@',
      ),
    ).toEqual([]);
  });

  it('ignores an address joined to a word by any connector, as by `_`', () => {
    // U+FF3F fullwidth low line (`_` itself may stand in an address): the scan once counted `_`
    // alone among connectors, and found `ada@example.com` here.
    expect(found('ref\uff3fada@example.com')).toEqual([]);
  });

  it('reports offsets in UTF-16 code units', () => {
    const text = 'Zürich 😀 ada@example.com';
    const [finding] = scan(text);
    expect(finding).toEqual({ type: 'email', start: 10, end: 25 });
    expect(text.slice(finding?.start, finding?.end)).toBe('ada@example.com');
  });
});

describe('payment cards', () => {
  it('finds Luhn-valid numbers, whole or in printed groups', () => {
    expect(
      found('Visa 4111 1111 1111 1111, 4111-1111-1111-1111, 4111111111111111; Amex 3782 822463 10005.'),
    ).toEqual([
      'payment_card:4111 1111 1111 1111',
      'payment_card:4111-1111-1111-1111',
      'payment_card:4111111111111111',
      'payment_card:3782 822463 10005',
    ]);
    expect(found('Mastercard 5555555555554444 and Discover 6011 1111 1111 1117')).toEqual([
      'payment_card:5555555555554444',
      'payment_card:6011 1111 1111 1117',
    ]);
  });

  it('ignores Luhn-invalid numbers, odd groupings, other issuers and parts of longer numbers', () => {
    expect(
      found(
        [
          '4111 1111 1111 1112', // Luhn fails
          '4111 1111-1111 1111', // mixed separators
          '41 1111 1111 1111 11', // not a printed grouping
          '0000 0000 0000 0000', // passes Luhn, but no card network starts with 0
          '4111 1111 1111 1111 1234', // part of a longer number
          'x4111111111111111', // inside a word
          '+4111111111111111', // a phone-like prefix
          '1.4111111111111111', // a decimal
          '412345678901234567890', // too long
        ].join('; '),
      ),
    ).toEqual([]);
  });
});

describe('numbers joined to a word by a connector', () => {
  it('are no cards or phones, whatever the connector', () => {
    expect(found('ref_4111111111111111 ref\uff3f4111111111111111 tel\u203f+44 20 7946 0958')).toEqual([]);
  });
});

describe('IBANs', () => {
  it('finds IBANs with a valid ISO 13616 checksum, grouped or not', () => {
    expect(found('Pay GB82 WEST 1234 5698 7654 32 or DE89370400440532013000.')).toEqual([
      'iban:GB82 WEST 1234 5698 7654 32',
      'iban:DE89370400440532013000',
    ]);
  });

  it('drops a trailing capitalised word that is not part of the number', () => {
    expect(found('IBAN BE71 0961 2345 6769 THEN stop')).toEqual(['iban:BE71 0961 2345 6769']);
  });

  it('ignores a bad checksum, lower case, odd groupings and IBAN-like runs inside words', () => {
    expect(
      found(
        'GB82 WEST 1234 5698 7654 33, DE89370400440532013001, gb82 west 1234 5698 7654 32, ' +
          'GB82 WE ST12 3456 9876 5432, XDE89370400440532013000, DE89370400440532013000x',
      ),
    ).toEqual([]);
  });
});

describe('phone numbers', () => {
  it('finds international and national forms with separators', () => {
    expect(
      found(
        'Call +44 20 7946 0958, +1 (555) 123-4567, +49(0)30 1234567, +442079460958, (555) 123-4567, ' +
          '555-123-4567, 555.123.4567, 1-800-555-1234, 020 7946 0958, 06.12.34.56.78 or 01 23 45 67 89.',
      ),
    ).toEqual([
      'phone:+44 20 7946 0958',
      'phone:+1 (555) 123-4567',
      'phone:+49(0)30 1234567',
      'phone:+442079460958',
      'phone:(555) 123-4567',
      'phone:555-123-4567',
      'phone:555.123.4567',
      'phone:1-800-555-1234',
      'phone:020 7946 0958',
      'phone:06.12.34.56.78',
      'phone:01 23 45 67 89',
    ]);
  });

  it('ends a hyphenated number before a following space-separated number', () => {
    expect(found('Open 555-123-4567 24 hours a day')).toEqual(['phone:555-123-4567']);
    expect(found('Since 2024-01-15 020 7946 0958 works')).toEqual(['phone:020 7946 0958']);
    expect(found('Ring 020 7946 0958 (2) today')).toEqual(['phone:020 7946 0958']);
  });

  it('does not take dates, decimals, plain digit runs, ISBNs or lists of numbers for phones', () => {
    expect(
      found(
        [
          '2024-01-15',
          '15.01.2024',
          '01.02.2024',
          '01 02 2024',
          '3.14159265',
          '0.12345678',
          '12345678',
          '1,234,567.89',
          '0-306-40615-2',
          '10 20 30 40 50',
          '1234 5678 9012',
          'v020 7946 0958',
          '020 7946 0958kg',
          '+0 20 7946 0958',
          '+44 20',
        ].join('; '),
      ),
    ).toEqual([]);
  });

  it('leaves card numbers and IBANs to their own detectors', () => {
    expect(found('4222 2222 2222 2')).toEqual(['payment_card:4222 2222 2222 2']);
    expect(scan('4111 1111 1111 1111 DE89370400440532013000').map((f) => f.type)).toEqual([
      'payment_card',
      'iban',
    ]);
  });
});

describe('national ids', () => {
  it('runs the cartridge patterns with the u flag, labelled by name', () => {
    const scanner = compilePiiScanner([ssn, { name: 'de-steuer-id', pattern: '\\bSt-ID\\s\\p{Nd}{11}\\b' }]);
    expect(found('SSN 123-45-6789 and St-ID 12345678901; not 123-45-67890', scanner)).toEqual([
      'national_id/us-ssn:123-45-6789',
      'national_id/de-steuer-id:St-ID 12345678901',
    ]);
    expect(compilePiiScanner([])('SSN 123-45-6789')).toEqual([]);
  });

  it('explains patterns that cannot be used', () => {
    expect(piiPatternProblem('\\b\\d{3}-\\d{2}-\\d{4}\\b')).toBeNull();
    expect(piiPatternProblem('(unclosed')).toMatch(/^not a valid regular expression/);
    // Invalid under the `u` flag the scanner uses, though valid without it.
    expect(piiPatternProblem('a\\-b')).toMatch(/^not a valid regular expression/);
    expect(piiPatternProblem('\\d*')).toBe('must not match the empty string');
    expect(piiPatternProblem('x'.repeat(piiLimits.maxPatternLength + 1))).toMatch(/longer than/);
  });

  it('refuses to compile an unusable pattern, naming its place in the cartridge', () => {
    expect.assertions(3);
    try {
      compilePiiScanner([ssn, { name: 'bad', pattern: '\\d*' }]);
    } catch (error) {
      expect(error).toBeInstanceOf(MissionflowError);
      expect((error as MissionflowError).code).toBe('invalid_cartridge');
      expect((error as MissionflowError).errors.map((e) => e.path)).toEqual(['pii.nationalIds.1.pattern']);
    }
  });

  it('copes with patterns that can match the empty string inside a match attempt', () => {
    const scanner = compilePiiScanner([{ name: 'odd', pattern: '(?=X)|ID-\\d{4}' }]);
    expect(found('X ID-1234 X', scanner)).toEqual(['national_id/odd:ID-1234']);
  });
});

describe('overlaps', () => {
  it('keeps the earlier start, then the longer finding, then the stronger evidence', () => {
    // Earlier start: the cartridge's pattern starts before the card and takes it.
    const earlier = compilePiiScanner([{ name: 'ref', pattern: 'X-\\d{4}' }]);
    expect(found('ref X-4111 1111 1111 1111', earlier)).toEqual(['national_id/ref:X-4111']);
    // Same start: the longer card wins over a shorter pattern match.
    const shorter = compilePiiScanner([{ name: 'prefix', pattern: '\\b\\d{4} \\d{4}' }]);
    expect(found('4111 1111 1111 1111', shorter)).toEqual(['payment_card:4111 1111 1111 1111']);
    // The very same span: a check-digit detector beats a pattern; patterns keep cartridge order.
    const same = compilePiiScanner([
      { name: 'first', pattern: '\\b4111 1111 1111 1111\\b' },
      { name: 'second', pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b' },
      { name: 'third', pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b' },
    ]);
    expect(found('4111 1111 1111 1111 / 123-45-6789', same)).toEqual([
      'payment_card:4111 1111 1111 1111',
      'national_id/second:123-45-6789',
    ]);
    // An e-mail address and an overlapping pattern starting inside it.
    const inside = compilePiiScanner([{ name: 'host', pattern: 'example\\.com' }]);
    expect(found('ada@example.com', inside)).toEqual(['email:ada@example.com']);
  });

  it('returns findings sorted by start and never overlapping', () => {
    const scanner = compilePiiScanner([ssn, { name: 'digits', pattern: '\\d{3,}' }]);
    const text =
      'ada@example.com 4111 1111 1111 1111, 123-45-6789 +44 20 7946 0958 GB82 WEST 1234 5698 7654 32';
    const findings = scanner(text);
    for (let i = 1; i < findings.length; i += 1) {
      expect((findings[i] as PiiFinding).start).toBeGreaterThanOrEqual((findings[i - 1] as PiiFinding).end);
    }
    expect(findings.map((f) => f.type)).toEqual(['email', 'payment_card', 'national_id', 'phone', 'iban']);
  });
});

describe('redaction and counts', () => {
  const text = 'Ada (ada@example.com, +44 20 7946 0958) paid with 4111 1111 1111 1111; SSN 123-45-6789.';

  it('replaces the chosen types only, leaving the rest of the text as it was', () => {
    const findings = scan(text);
    expect(redactPii(text, findings, new Set<PiiType>(['email', 'payment_card']))).toBe(
      'Ada ([redacted:email], +44 20 7946 0958) paid with [redacted:payment_card]; SSN 123-45-6789.',
    );
    expect(redactPii(text, findings, allTypes)).toBe(
      'Ada ([redacted:email], [redacted:phone]) paid with [redacted:payment_card]; SSN [redacted:national_id].',
    );
    expect(redactPii(text, findings, new Set())).toBe(text);
    expect(redactPii(text, [], allTypes)).toBe(text);
  });

  it('handles findings given out of order or overlapping', () => {
    const findings: PiiFinding[] = [
      { type: 'phone', start: 4, end: 7 },
      { type: 'email', start: 0, end: 3 },
      { type: 'phone', start: 1, end: 5 },
      { type: 'iban', start: 2, end: 40 },
    ];
    expect(redactPii('abc def ghi', findings, allTypes)).toBe('[redacted:email] [redacted:phone] ghi');
  });

  it('counts every type, with zeros', () => {
    expect(countPii(scan(text))).toEqual({ email: 1, phone: 1, payment_card: 1, iban: 0, national_id: 1 });
    expect(countPii([])).toEqual({ email: 0, phone: 0, payment_card: 0, iban: 0, national_id: 0 });
  });
});

describe('bounds and determinism', () => {
  it('gives the same findings for the same text, from one scanner or another', () => {
    const text = 'ada@example.com, 4111 1111 1111 1111, 123-45-6789, +44 20 7946 0958; '.repeat(50);
    const first = scan(text);
    expect(scan(text)).toEqual(first);
    expect(compilePiiScanner([ssn])(text)).toEqual(first);
    expect(first).toHaveLength(200);
  });

  it('caps the findings of one text, reporting nothing past the point where a detector stopped', () => {
    const cap = piiLimits.maxFindingsPerText;
    const text = `020 7946 0958 ${'a@example.com '.repeat(cap + 50)}+44 20 7946 0958`;
    const findings = scan(text);
    expect(findings).toHaveLength(cap);
    expect(findings[0]?.type).toBe('phone');
    // The e-mail detector stopped at its cap; the phone after that point is not reported.
    expect(findings.filter((f) => f.type === 'phone')).toHaveLength(1);
    expect(countPii(findings).email).toBe(cap - 1);
  });

  it('scans large and hostile texts to the end, within its cap (timing: bench/extraction.ts)', () => {
    for (const text of hostileTexts.pii) {
      const findings = scan(text.repeat(2));
      expect(findings.length).toBeLessThanOrEqual(piiLimits.maxFindingsPerText);
      // Sorted and never overlapping, however the text was built.
      findings.forEach((finding, i) =>
        expect(finding.start).toBeGreaterThanOrEqual(findings[i - 1]?.end ?? 0),
      );
    }
  });
});
