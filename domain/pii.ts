import { MissionflowError } from './errors';
import { findEmails, findIbans, findPaymentCards, type FindingSink } from './pii-detectors';
import { findPhones } from './pii-phones';

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
 *
 * This module is the scan's front: what is looked for, how overlapping findings of the detectors are
 * settled, the cap on findings, redaction and counts. The built-in detectors are in pii-detectors.ts
 * and pii-phones.ts.
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
class FindingList implements FindingSink {
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
