import type { PiiFinding } from './pii';
import { isDigitCode, isIsolatedNumber, type FindingSink } from './pii-detectors';

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

export function findPhones(text: string, taken: readonly PiiFinding[], list: FindingSink): void {
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
