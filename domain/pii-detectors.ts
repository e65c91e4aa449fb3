import type { PiiFinding } from './pii';
import { isWordAt, isWordBefore } from './text';

/**
 * The PII scan's built-in detectors for e-mail addresses, payment cards and IBANs (phone numbers
 * have their own module), with the digit-run reading the number detectors share. Each reads the
 * text once, with bounded look-around, and reports to a {@link FindingSink} in ascending order.
 */

/** Where a detector reports: `add` answers false once the text's finding cap is reached. */
export interface FindingSink {
  add(finding: PiiFinding): boolean;
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

export function findEmails(text: string, list: FindingSink): void {
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

export function findPaymentCards(text: string, list: FindingSink): void {
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
export function isIsolatedNumber(
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

export function findIbans(text: string, list: FindingSink): void {
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
// Characters

export function isDigitCode(code: number): boolean {
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
