import { MissionflowError } from './errors';
import { isWordAt, isWordBefore } from './text';

/**
 * The PII scan: finds e-mail addresses, phone numbers, payment card numbers, IBANs and the
 * cartridge's national-id patterns in a text, and redacts the types the mission's policy asks for.
 *
 * Precision matters more than recall here: a finding can send a document to human review, so every
 * built-in detector asks for strong evidence (a check digit, a recognisable shape, clean boundaries)
 * and misses unusual spellings rather than flag ordinary numbers.
 *
 * Pure and deterministic (workflows may import it). Offsets are UTF-16 code-unit indexes into the
 * text, `end` exclusive, as `String.prototype.slice` takes them. The built-in detectors read the
 * text in a single pass each, with bounded look-around, so the work is linear in its length; the
 * cartridge's national-id patterns run as written (the cartridge author owns their cost).
 */

export const piiTypes = ['email', 'phone', 'payment_card', 'iban', 'national_id'] as const;
export type PiiType = (typeof piiTypes)[number];

export const piiLimits = {
  /**
   * Findings kept for one text. A text that reaches the cap has findings up to some point only: the
   * scan reports nothing beyond the place where any detector stopped, so what it reports is exact.
   * A caller seeing exactly this many findings knows the text was not scanned to its end.
   */
  maxFindingsPerText: 10_000,
  /** Characters of one national-id pattern (the cartridge schema enforces the same bound). */
  maxPatternLength: 1_000,
} as const;

/** A national-id pattern from the mission's cartridge (e.g. { name: 'us-ssn', pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b' }). */
export interface NationalIdPattern {
  name: string;
  pattern: string;
}

export interface PiiFinding {
  type: PiiType;
  start: number;
  end: number;
  /** the national-id pattern's name; absent for other types */
  label?: string;
}

export type PiiScanner = (text: string) => PiiFinding[];

/**
 * Null, or why a cartridge's national-id pattern cannot be used: it must compile with the flags the
 * scanner uses (`gu`) and must not match the empty string (it would flag every position).
 */
export function piiPatternProblem(pattern: string): string | null {
  if (pattern.length > piiLimits.maxPatternLength) {
    return `longer than ${piiLimits.maxPatternLength} characters`;
  }
  let regex: RegExp;
  try {
    regex = compileNationalId(pattern);
  } catch (error) {
    return `not a valid regular expression: ${(error as Error).message}`;
  }
  if (regex.test('')) return 'must not match the empty string';
  return null;
}

/**
 * Compiles the national-id patterns once per cartridge version. The scanner's findings are sorted by
 * start and never overlap: on overlap the earlier start wins, then the longer; for the very same span,
 * the type with the stronger evidence wins (see `tieOrder`), and national ids keep cartridge order.
 */
export function compilePiiScanner(nationalIds: readonly NationalIdPattern[]): PiiScanner {
  const compiled = nationalIds.map(({ name, pattern }, index) => {
    const problem = piiPatternProblem(pattern);
    if (problem) {
      const path = `pii.nationalIds.${index}.pattern`;
      throw new MissionflowError('invalid_cartridge', `${path}: ${problem}`, [{ path, message: problem }]);
    }
    return { name, regex: compileNationalId(pattern) };
  });
  return (text) => scan(text, compiled);
}

/** The text with every finding whose type is in `types` replaced by `[redacted:<type>]`; other text untouched. */
export function redactPii(
  text: string,
  findings: readonly PiiFinding[],
  types: ReadonlySet<PiiType>,
): string {
  // Findings from the scanner are sorted and disjoint; sorting again and skipping overlaps keeps the
  // output well defined for hand-made lists too.
  const chosen = findings
    .filter((finding) => types.has(finding.type) && finding.start >= 0 && finding.end <= text.length)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  let output = '';
  let position = 0;
  for (const finding of chosen) {
    if (finding.start < position || finding.end <= finding.start) continue;
    output += `${text.slice(position, finding.start)}[redacted:${finding.type}]`;
    position = finding.end;
  }
  return output + text.slice(position);
}

/** Counts per type, every type present with 0 when absent (for stored summaries). */
export function countPii(findings: readonly PiiFinding[]): Record<PiiType, number> {
  const counts = Object.fromEntries(piiTypes.map((type) => [type, 0])) as Record<PiiType, number>;
  for (const finding of findings) counts[finding.type] += 1;
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Scanning

interface CompiledNationalId {
  name: string;
  regex: RegExp;
}

function compileNationalId(pattern: string): RegExp {
  return new RegExp(pattern, 'gu');
}

/**
 * For the very same span found by two detectors: check-digit detectors first (their evidence is the
 * strongest), then the cartridge's own patterns, then the shape-only detectors.
 */
const tieOrder: Record<PiiType, number> = { iban: 0, payment_card: 1, national_id: 2, email: 3, phone: 4 };

/** One detector's findings, in ascending start order, up to the per-text cap. */
class FindingList {
  readonly findings: PiiFinding[] = [];
  /** The start of the first finding that did not fit: everything before it was seen. */
  horizon = Infinity;

  /** False once the list is full: the detector should stop. */
  add(finding: PiiFinding): boolean {
    if (this.findings.length >= piiLimits.maxFindingsPerText) {
      this.horizon = Math.min(this.horizon, finding.start);
      return false;
    }
    this.findings.push(finding);
    return true;
  }
}

function scan(text: string, nationalIds: readonly CompiledNationalId[]): PiiFinding[] {
  const cards = new FindingList();
  findPaymentCards(text, cards);
  const ibans = new FindingList();
  findIbans(text, ibans);
  const emails = new FindingList();
  findEmails(text, emails);
  const phones = new FindingList();
  const taken = [...cards.findings, ...ibans.findings].sort((a, b) => a.start - b.start);
  findPhones(text, taken, phones);
  const lists = [cards, ibans, emails, phones];
  for (const nationalId of nationalIds) {
    const list = new FindingList();
    findNationalIds(text, nationalId, list);
    lists.push(list);
  }

  // A stable sort keeps the cartridge order among national ids with the very same span.
  const candidates = lists
    .flatMap((list) => list.findings)
    .sort((a, b) => a.start - b.start || b.end - a.end || tieOrder[a.type] - tieOrder[b.type]);
  const horizon = Math.min(...lists.map((list) => list.horizon));
  const kept: PiiFinding[] = [];
  let reached = 0;
  for (const candidate of candidates) {
    if (candidate.start >= horizon || kept.length >= piiLimits.maxFindingsPerText) break;
    if (candidate.start < reached) continue;
    kept.push(candidate);
    reached = candidate.end;
  }
  return kept;
}

function findNationalIds(text: string, nationalId: CompiledNationalId, list: FindingList): void {
  const { regex, name } = nationalId;
  regex.lastIndex = 0;
  for (let match = regex.exec(text); match; match = regex.exec(text)) {
    if (match[0].length === 0) {
      // Possible even for a pattern that does not match '' on its own (a lookahead alternative).
      regex.lastIndex += 1;
      continue;
    }
    const end = match.index + match[0].length;
    if (!list.add({ type: 'national_id', start: match.index, end, label: name })) return;
  }
}

// ---------------------------------------------------------------------------------------------
// E-mail addresses
//
// local@domain.tld, found from each '@' outwards, so no regular expression can backtrack over long
// runs of letters:
// - local part: 1 to 64 characters of A-Z a-z 0-9 . _ % + -, without a leading or trailing dot or two
//   dots in a row (leading dots are read as punctuation before the address);
// - domain: two or more labels of A-Z a-z 0-9 and inner hyphens (1 to 63 characters each, 253 in all)
//   separated by single dots; the last label (the TLD) is 2 to 63 letters, and not an image file
//   extension (`logo@2x.png` is a file name); a trailing dot is sentence punctuation;
// - not inside a longer word: no word character (a letter, mark, digit or connector such as `_`, in
//   any script; see text.ts) touches either end, and no other '@' does (`a@b.com@c.org` is not an
//   address).
// Known misses: quoted local parts, internationalised (non-ASCII) addresses, IP-literal domains.

const maxLocalLength = 64;
const maxDomainLength = 253;
const imageExtensions = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'bmp', 'tif', 'tiff', 'ico']);

function findEmails(text: string, list: FindingList): void {
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && at - start <= maxLocalLength && isLocalCode(text.charCodeAt(start - 1))) start -= 1;
    if (at - start > maxLocalLength) continue;
    while (start < at && text.charCodeAt(start) === 0x2e) start += 1;
    if (start === at || isWordBefore(text, start) || text.charCodeAt(start - 1) === 0x40) continue;
    const local = text.slice(start, at);
    if (local.endsWith('.') || local.includes('..')) continue;

    let end = at + 1;
    while (end < text.length && end - at <= maxDomainLength + 1 && isDomainCode(text.charCodeAt(end)))
      end += 1;
    if (end - at > maxDomainLength + 1) continue;
    while (end > at + 1 && text.charCodeAt(end - 1) === 0x2e) end -= 1;
    if (isWordAt(text, end) || text.charCodeAt(end) === 0x40 || !isDomain(text.slice(at + 1, end))) continue;

    if (!list.add({ type: 'email', start, end })) return;
    at = end - 1;
  }
}

function isLocalCode(code: number): boolean {
  // . _ % + -
  return (
    isAsciiAlphanumeric(code) ||
    code === 0x2e ||
    code === 0x5f ||
    code === 0x25 ||
    code === 0x2b ||
    code === 0x2d
  );
}

function isDomainCode(code: number): boolean {
  return isAsciiAlphanumeric(code) || code === 0x2e || code === 0x2d;
}

function isDomain(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  const tld = labels[labels.length - 1] as string;
  if (!/^[A-Za-z]{2,63}$/.test(tld) || imageExtensions.has(tld.toLowerCase())) return false;
  return labels.every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

// ---------------------------------------------------------------------------------------------
// Payment cards
//
// 13 to 19 digits that pass the Luhn check, either as one run or in groups joined by one kind of
// separator (a single space or a single hyphen throughout), where the groups are the printed
// shapes: fours with a shorter last group (4-4-4-4, 4-4-4-4-3, 4-4-4-1), or 4-6-5 / 4-6-4
// (American Express, Diners). Also:
// - the first digit is 2 to 6, the issuer ranges of the card networks (Visa, Mastercard, Amex,
//   Discover, JCB, UnionPay, Maestro); this also rules out placeholders like 0000 0000 0000 0000;
// - not part of a longer number: no word character, '+' or decimal point touches either end, and no
//   digit is joined to it by its own kind of separator.

function findPaymentCards(text: string, list: FindingList): void {
  forEachDigitChain(text, [0x20, 0x2d], (chain) => {
    if (chain.digits.length < 13 || chain.digits.length > 19) return true;
    const first = chain.digits.charCodeAt(0);
    if (first < 0x32 || first > 0x36) return true;
    if (!isCardGrouping(chain.groups)) return true;
    if (!isIsolatedNumber(text, chain, chain.separator === null ? [0x20, 0x2d] : [chain.separator]))
      return true;
    if (!passesLuhn(chain.digits)) return true;
    return list.add({ type: 'payment_card', start: chain.start, end: chain.end });
  });
}

function isCardGrouping(groups: readonly number[]): boolean {
  if (groups.length === 1) return true;
  const shape = groups.join('-');
  if (shape === '4-6-5' || shape === '4-6-4') return true;
  const last = groups[groups.length - 1] as number;
  return groups.slice(0, -1).every((size) => size === 4) && last >= 1 && last <= 4;
}

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i -= 1, double = !double) {
    let value = digits.charCodeAt(i) - 0x30;
    if (double) {
      value *= 2;
      if (value > 9) value -= 9;
    }
    sum += value;
  }
  return sum % 10 === 0;
}

interface DigitChain {
  start: number;
  end: number;
  /** The digits alone. */
  digits: string;
  /** Digits per group, in order. */
  groups: number[];
  /** The one separator code joining the groups, or null for a single run. */
  separator: number | null;
}

/**
 * Calls `visit` for each maximal chain of digit runs joined by one single separator character, the
 * same one throughout (the first one met fixes it; another one ends the chain). Stops when `visit`
 * returns false. Linear: every character is read once.
 */
function forEachDigitChain(
  text: string,
  separators: readonly number[],
  visit: (chain: DigitChain) => boolean,
): void {
  let position = 0;
  while (position < text.length) {
    if (!isDigitCode(text.charCodeAt(position))) {
      position += 1;
      continue;
    }
    const start = position;
    const groups: number[] = [];
    let digits = '';
    let separator: number | null = null;
    for (;;) {
      const groupStart = position;
      while (position < text.length && isDigitCode(text.charCodeAt(position))) position += 1;
      groups.push(position - groupStart);
      // Long runs are never cards or phones; keep only their length.
      if (digits.length <= 32) digits += text.slice(groupStart, Math.min(position, groupStart + 33));
      const next = text.charCodeAt(position);
      const joins =
        separators.includes(next) &&
        (separator === null || separator === next) &&
        isDigitCode(text.charCodeAt(position + 1));
      if (!joins) break;
      separator = next;
      position += 1;
    }
    if (!visit({ start, end: position, digits, groups, separator })) return;
  }
}

/**
 * A number standing on its own: no word character, '+' or decimal point before it, nothing of a
 * word or a decimal part after it, and no digit joined to either end by one of `joiners`.
 */
function isIsolatedNumber(
  text: string,
  span: { start: number; end: number },
  joiners: readonly number[],
): boolean {
  const { start, end } = span;
  const before = text.charCodeAt(start - 1);
  const after = text.charCodeAt(end);
  if (start > 0 && (isWordBefore(text, start) || before === 0x2b)) return false;
  if (isWordAt(text, end)) return false;
  const beforeIsJoin = before === 0x2e || before === 0x2c || joiners.includes(before);
  if (beforeIsJoin && isDigitCode(text.charCodeAt(start - 2))) return false;
  const afterIsJoin = after === 0x2e || after === 0x2c || joiners.includes(after);
  if (afterIsJoin && isDigitCode(text.charCodeAt(end + 1))) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// IBANs
//
// Two capital letters, two check digits, then 11 to 30 capital letters or digits (15 to 34
// characters in all), written as one run or in groups of four separated by single spaces (the last
// group 1 to 4 characters), standing on its own (no word character on either side). Valid only if
// the ISO 13616 check holds: the number, with its first four characters moved to the end and letters
// read as 10 to 35, leaves 1 modulo 97. In the grouped form a trailing group that breaks the check
// (a capitalised word after the IBAN) is dropped and the shorter IBAN tried, longest first.
// Known misses: lower-case IBANs, other groupings; the per-country lengths are not checked.

function findIbans(text: string, list: FindingList): void {
  let position = 0;
  while (position + 4 <= text.length) {
    const start = position;
    if (!isIbanStart(text, start)) {
      position += 1;
      continue;
    }
    const first = readAlphanumericRun(text, start);
    let found: { end: number } | null = null;
    if (
      first - start === 4 &&
      text.charCodeAt(first) === 0x20 &&
      isAsciiUpperOrDigit(text.charCodeAt(first + 1))
    ) {
      found = readGroupedIban(text, start);
    } else if (first - start >= 15 && first - start <= 34 && !isWordAt(text, first)) {
      const iban = text.slice(start, first);
      if (passesMod97(iban)) found = { end: first };
    }
    if (found) {
      if (!list.add({ type: 'iban', start, end: found.end })) return;
      position = found.end;
    } else position = Math.max(first, start + 1);
  }
}

function isIbanStart(text: string, start: number): boolean {
  return (
    isAsciiUpper(text.charCodeAt(start)) &&
    isAsciiUpper(text.charCodeAt(start + 1)) &&
    isDigitCode(text.charCodeAt(start + 2)) &&
    isDigitCode(text.charCodeAt(start + 3)) &&
    !(start > 0 && isWordBefore(text, start))
  );
}

/** The end of the run of capital letters and digits starting at `start`. */
function readAlphanumericRun(text: string, start: number): number {
  let end = start;
  while (end < text.length && isAsciiUpperOrDigit(text.charCodeAt(end))) end += 1;
  return end;
}

function readGroupedIban(text: string, start: number): { end: number } | null {
  // Group ends after the country-and-check group, at most 8 more groups (30 characters).
  const ends: number[] = [];
  let compact = text.slice(start, start + 4);
  const compacts: string[] = [];
  let position = start + 4;
  while (ends.length < 8 && text.charCodeAt(position) === 0x20) {
    const groupEnd = readAlphanumericRun(text, position + 1);
    const size = groupEnd - position - 1;
    if (size < 1 || size > 4 || isWordAt(text, groupEnd)) break;
    compact += text.slice(position + 1, groupEnd);
    ends.push(groupEnd);
    compacts.push(compact);
    position = groupEnd;
    if (size < 4) break;
  }
  for (let i = ends.length - 1; i >= 0; i -= 1) {
    const candidate = compacts[i] as string;
    if (candidate.length >= 15 && candidate.length <= 34 && passesMod97(candidate))
      return { end: ends[i] as number };
  }
  return null;
}

function passesMod97(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i += 1) {
    const code = rearranged.charCodeAt(i);
    remainder = isDigitCode(code) ? (remainder * 10 + code - 0x30) % 97 : (remainder * 100 + code - 55) % 97;
  }
  return remainder === 1;
}

// ---------------------------------------------------------------------------------------------
// Phone numbers
//
// A candidate is a maximal chain read left to right: an optional '+', then digit groups joined by
// a single space, hyphen or dot, with at most one parenthesised group of 1 to 5 digits (which may
// also touch its neighbours directly, as in +49(0)30 or (555)123-4567). Once a hyphen or a dot has
// joined two groups, only that same character continues the chain: `555-123-4567 24 hours` ends
// before ` 24`. The chain is a phone number when all of these hold:
// - 8 to 15 digits in all (parenthesised ones included);
// - it has a leading '+', a separator or a parenthesised group (a plain digit run never counts);
// - international form: '+' then a digit 1 to 9; national form (no '+'): it starts with a trunk 0
//   or a parenthesised area code, or it has the North American shape 3-3-4 (optionally 1-3-3-4)
//   with one separator throughout;
// - the last group has 2 or more digits (which rules out ISBN-like check digits);
// - with dots, two or more of them (`0.12345678` is a decimal number);
// - not a date: three groups joined by the same hyphen, dot or space shaped like 2024-01-15 or
//   15.01.2024 (4-2-2 or 2-2-4 digits, 1-digit days and months too);
// - standing on its own: no word character or '+' before it, no word character after it, no
//   decimal point with a digit on the far side at either end;
// - not overlapping a payment card or an IBAN.
// Known misses: numbers written with slashes, extensions (x123), vanity letters (1-800-FLOWERS),
// national numbers without a trunk 0 outside North America; a trailing space-separated number
// may be read as part of a space-separated phone (`020 7946 0958 12`).

function findPhones(text: string, taken: readonly PiiFinding[], list: FindingList): void {
  let takenIndex = 0;
  let position = 0;
  while (position < text.length) {
    const code = text.charCodeAt(position);
    const startsChain =
      code === 0x2b || code === 0x28 ? isDigitCode(text.charCodeAt(position + 1)) : isDigitCode(code);
    if (!startsChain) {
      position += 1;
      continue;
    }
    const chain = readPhoneChain(text, position);
    position = Math.max(chain.end, position + 1);
    if (!isPhone(text, chain)) continue;
    while (takenIndex < taken.length && (taken[takenIndex] as PiiFinding).end <= chain.start) takenIndex += 1;
    const next = taken[takenIndex];
    if (next && next.start < chain.end) continue;
    if (!list.add({ type: 'phone', start: chain.start, end: chain.end })) return;
  }
}

interface PhoneChain {
  start: number;
  end: number;
  plus: boolean;
  /** Digits per group; a parenthesised group counts like any other. */
  groups: number[];
  /** Index into `groups` of the parenthesised group, or -1. */
  parenthesised: number;
  /** The separators between groups, in order ('' where a parenthesised group touches a neighbour). */
  separators: string[];
  firstDigit: number;
  digitCount: number;
}

function readPhoneChain(text: string, start: number): PhoneChain {
  const chain: PhoneChain = {
    start,
    end: start,
    plus: false,
    groups: [],
    parenthesised: -1,
    separators: [],
    firstDigit: -1,
    digitCount: 0,
  };
  let position = start;
  if (text.charCodeAt(position) === 0x2b) {
    chain.plus = true;
    position += 1;
  }
  let mode: string | null = null;
  const groupEnds: number[] = [];
  for (;;) {
    // A group: digits, or (digits) once per chain.
    const opens = text.charCodeAt(position) === 0x28;
    const digitsStart = opens ? position + 1 : position;
    let digitsEnd = digitsStart;
    while (digitsEnd < text.length && isDigitCode(text.charCodeAt(digitsEnd))) digitsEnd += 1;
    const size = digitsEnd - digitsStart;
    if (opens) {
      const closes = text.charCodeAt(digitsEnd) === 0x29;
      if (chain.parenthesised !== -1 || size < 1 || size > 5 || !closes) break;
      chain.parenthesised = chain.groups.length;
      position = digitsEnd + 1;
    } else {
      if (size === 0) break;
      position = digitsEnd;
    }
    if (chain.firstDigit === -1) chain.firstDigit = text.charCodeAt(digitsStart) - 0x30;
    chain.groups.push(size);
    chain.digitCount += size;
    chain.end = position;
    groupEnds.push(position);

    // What joins the next group, if anything.
    const next = text.charCodeAt(position);
    const afterNext = text.charCodeAt(position + 1);
    const groupFollows = (code: number) =>
      isDigitCode(code) ||
      (code === 0x28 && chain.parenthesised === -1 && isDigitCode(text.charCodeAt(position + 2)));
    if ((next === 0x20 || next === 0x2d || next === 0x2e) && groupFollows(afterNext)) {
      const separator = String.fromCharCode(next);
      if (mode !== null && separator !== mode) break;
      if (separator !== ' ') mode = separator;
      chain.separators.push(separator);
      position += 1;
    } else if (opens && isDigitCode(next)) {
      chain.separators.push('');
    } else if (next === 0x28 && chain.parenthesised === -1 && isDigitCode(afterNext)) {
      chain.separators.push('');
    } else break;
  }
  // A parenthesised group at the end is a reference or an aside, as in `020 7946 0958 (2)`.
  if (chain.groups.length > 1 && chain.parenthesised === chain.groups.length - 1) {
    chain.digitCount -= chain.groups.pop() as number;
    chain.parenthesised = -1;
    chain.end = groupEnds[chain.groups.length - 1] as number;
  }
  // A separator read before a group that then failed to parse (e.g. an unclosed parenthesis) is
  // not part of the chain.
  chain.separators.length = Math.max(0, chain.groups.length - 1);
  return chain;
}

function isPhone(text: string, chain: PhoneChain): boolean {
  const { groups, separators, parenthesised } = chain;
  if (groups.length === 0 || chain.digitCount < 8 || chain.digitCount > 15) return false;
  if (!chain.plus && separators.length === 0 && parenthesised === -1) return false;
  if ((groups[groups.length - 1] as number) < 2) return false;
  const dots = separators.filter((separator) => separator === '.').length;
  if (dots === 1) return false;
  if (!isIsolatedNumber(text, chain, [])) return false;

  if (chain.plus) return parenthesised !== 0 && chain.firstDigit >= 1;
  if (isDateShape(groups, separators, parenthesised)) return false;
  if (parenthesised === 0 || chain.firstDigit === 0) return true;
  const uniform = separators.every((separator) => separator !== '' && separator === separators[0]);
  const shape = groups.join('-');
  return (
    parenthesised === -1 && uniform && (shape === '3-3-4' || (shape === '1-3-3-4' && chain.firstDigit === 1))
  );
}

function isDateShape(
  groups: readonly number[],
  separators: readonly string[],
  parenthesised: number,
): boolean {
  if (groups.length !== 3 || parenthesised !== -1 || separators[0] !== separators[1]) return false;
  const [a, b, c] = groups as [number, number, number];
  const dayOrMonth = (size: number) => size === 1 || size === 2;
  return (
    (a === 4 && dayOrMonth(b) && dayOrMonth(c)) || (dayOrMonth(a) && dayOrMonth(b) && (c === 2 || c === 4))
  );
}

// ---------------------------------------------------------------------------------------------
// Characters

function isDigitCode(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isAsciiUpper(code: number): boolean {
  return code >= 0x41 && code <= 0x5a;
}

function isAsciiUpperOrDigit(code: number): boolean {
  return isAsciiUpper(code) || isDigitCode(code);
}

function isAsciiAlphanumeric(code: number): boolean {
  return isAsciiUpperOrDigit(code) || (code >= 0x61 && code <= 0x7a);
}
