import {
  assembleEntities,
  entityKey,
  entityLimits,
  type ChunkText,
  type EntityRecorder,
  type ExtractedEntities,
} from './entities';
import { wordCharacterClass } from './text';

/**
 * The heuristic entity extractor: a third, independent voice next to the cartridge's patterns and
 * dictionary. It needs no configuration and knows nothing of the cartridge; it finds entities by
 * their shape alone, in English-language conventions:
 *
 * - Date: ISO dates (2024-01-15), `15 January 2024`, `January 15, 2024` (ordinal suffixes,
 *   three-letter month abbreviations and a dot after them allowed) and `15/01/2024`; month and day
 *   must be in range (1 to 12, 1 to 31; in the slash form either part may be the month).
 * - Money: a currency symbol ($, US$, €, £, ¥, ₹, ₩, ...) or a common ISO 4217 code (USD, EUR, ...)
 *   before an amount, or an amount followed by a code or a symbol, with an optional scale
 *   (`EUR 1.5 million`, `$5m`, `30 €`, `1,000 USD`). Amounts use `,` or `.` as thousands separators.
 * - Organization: a run of capitalised words (all-capitals allowed, `&` inside) ending in a legal or
 *   organisational suffix (Inc, Ltd, LLC, GmbH, AG, SA, plc, Corporation, Company, University, Bank,
 *   ...), at most six words before the suffix (`Acme Shipping Ltd`). Institutional suffixes may also
 *   take an `of` complement (`Bank of England`, `Massachusetts Institute of Technology`). A suffix
 *   alone is not an organisation, and neither is an all-capitals run (shouted text).
 * - Name: a run of 2 to 4 title-case words (an upper-case letter first, then at least one lower-case
 *   letter, any script), with lower-case particles inside (`Ludwig van Beethoven`, `Ursula von der
 *   Leyen`). Common sentence-start words, titles, weekdays and month names (The, In, However,
 *   Dear, Mr, Monday, January, ...) never belong to a run: they are trimmed from its start and split
 *   it elsewhere. A single capitalised word is never a name (it may just start a sentence); a run of
 *   more than 4 words is taken for a heading and skipped.
 *
 * Each span is claimed once, in this order: dates and money first (on overlap the earlier start,
 * then the longer span wins), then organisations, then names; a later kind never takes a word an
 * earlier one claimed. Words join a run across whitespace with at most one line break, never across
 * punctuation. Keys are `entityKey` of the surface form (so `2024-01-15` and `15 January 2024` are
 * two entities); the display name is the surface form with whitespace collapsed.
 *
 * Known weaknesses: any multi-word capitalised phrase counts as a Name (places like `New York`,
 * headings of 2 to 4 words, titles such as `Annual Report`); a capitalised word that starts a
 * sentence and is not on the stop list joins the name after it (`Chairman John Smith`); initials
 * (`John F. Kennedy`), names of one word and names in all capitals are missed; dotted legal forms
 * (`S.A.`, `N.V.`) and organisations without a suffix are missed; month names in other languages
 * and numeric dates beyond the forms above are not dates; a stop word that is also a first name
 * (`May`, `June`, `Will`) hides that name.
 *
 * Pure, deterministic and linear in the text: each regular expression has bounded backtracking from
 * a limited set of starting points, and every word is looked at a bounded number of times.
 */

export const heuristicEntityTypes = ['Date', 'Money', 'Organization', 'Name'] as const;
export type HeuristicEntityType = (typeof heuristicEntityTypes)[number];

export function extractHeuristicEntities(chunks: readonly ChunkText[]): ExtractedEntities {
  return assembleEntities(chunks, scanChunk);
}

interface Span {
  type: HeuristicEntityType;
  start: number;
  end: number;
}

function scanChunk(text: string, record: EntityRecorder): boolean {
  const spans = [...findDatesAndMoney(text)];
  const words = readWords(text, spans);
  spans.push(...findOrganizations(text, words), ...findNames(words));
  spans.sort((a, b) => a.start - b.start);
  for (const { type, start, end } of spans) {
    const name = text.slice(start, end).replace(/\s+/g, ' ');
    if (name.length > entityLimits.maxNameLength) continue;
    if (!record(type, entityKey(name), name, start)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Dates and money

/** Nothing of a word may touch a date or an amount. */
const notAfterWord = `(?<![${wordCharacterClass}])`;
const notBeforeWord = `(?![${wordCharacterClass}])`;

const monthNumbers = new Map<string, number>();
[
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
].forEach((month, index) => {
  monthNumbers.set(month, index + 1);
  monthNumbers.set(month.slice(0, 3), index + 1);
});
monthNumbers.set('Sept', 9);
/** Longest first, so that `January` is not read as `Jan`. */
const monthAlternatives = [...monthNumbers.keys()].sort((a, b) => b.length - a.length).join('|');
const ordinal = '(?:st|nd|rd|th)?';

const isoDate = new RegExp(`${notAfterWord}(?<!-)(\\d{4})-(\\d{2})-(\\d{2})${notBeforeWord}(?!-\\d)`, 'gu');
const dayMonthYear = new RegExp(
  `${notAfterWord}(\\d{1,2})${ordinal}\\s+(${monthAlternatives})\\.?,?\\s+(\\d{4})${notBeforeWord}`,
  'gu',
);
const monthDayYear = new RegExp(
  `${notAfterWord}(${monthAlternatives})\\.?\\s+(\\d{1,2})${ordinal},?\\s+(\\d{4})${notBeforeWord}`,
  'gu',
);
const slashDate = new RegExp(
  `${notAfterWord}(?<!/)(\\d{1,2})/(\\d{1,2})/(\\d{4})${notBeforeWord}(?!/\\d)`,
  'gu',
);

const currencyCodes =
  'USD|EUR|GBP|JPY|CHF|CAD|AUD|NZD|CNY|HKD|SGD|SEK|NOK|DKK|PLN|CZK|HUF|INR|BRL|MXN|ZAR|RUB|TRY|KRW|ILS|AED|SAR';
const currencySymbols = '(?:US|A|C|NZ|HK|S)?\\$|€|£|¥|₹|₩|₽|₺|₪|₣';
/** 1,234,567.89 or 1.234.567,89 or plain 1234.5 */
const amount =
  '(?:\\d{1,3}(?:,\\d{3})+(?:\\.\\d{1,2})?|\\d{1,3}(?:\\.\\d{3})+(?:,\\d{1,2})?|\\d+(?:[.,]\\d+)?)';
const scale = '(?:\\s+(?:million|billion|trillion|thousand)|(?:mn|bn|m|k))?';
/** An amount must not run on into more digits, or into a word. */
const amountEnd = `${notBeforeWord}(?![.,]\\d)`;
const moneyBefore = new RegExp(
  `(?:${notAfterWord}(?:${currencyCodes})\\s?|(?<![${wordCharacterClass}$])(?:${currencySymbols})\\s?)${amount}${scale}${amountEnd}`,
  'gu',
);
const moneyAfter = new RegExp(
  `${notAfterWord}(?<![.,])${amount}${scale}(?:\\s?(?:${currencyCodes})${notBeforeWord}|\\s?(?:${currencySymbols})(?!\\s?\\d))`,
  'gu',
);

function findDatesAndMoney(text: string): Span[] {
  const found: Span[] = [];
  const collect = (type: HeuristicEntityType, regex: RegExp, valid: (match: RegExpExecArray) => boolean) => {
    regex.lastIndex = 0;
    for (let match = regex.exec(text); match; match = regex.exec(text)) {
      if (valid(match)) found.push({ type, start: match.index, end: match.index + match[0].length });
    }
  };
  const number = (value: string | undefined) => Number(value);
  const isMonth = (value: number) => value >= 1 && value <= 12;
  const isDay = (value: number) => value >= 1 && value <= 31;
  collect('Date', isoDate, (match) => isMonth(number(match[2])) && isDay(number(match[3])));
  collect('Date', dayMonthYear, (match) => isDay(number(match[1])));
  collect('Date', monthDayYear, (match) => isDay(number(match[2])));
  collect('Date', slashDate, (match) => {
    const first = number(match[1]);
    const second = number(match[2]);
    return isDay(first) && isDay(second) && (isMonth(first) || isMonth(second));
  });
  collect('Money', moneyBefore, () => true);
  collect('Money', moneyAfter, () => true);

  // Earlier start wins, then the longer span; on the very same span a date beats an amount.
  const rank = (span: Span) => (span.type === 'Date' ? 0 : 1);
  found.sort((a, b) => a.start - b.start || b.end - a.end || rank(a) - rank(b));
  const kept: Span[] = [];
  let reached = 0;
  for (const span of found) {
    if (span.start < reached) continue;
    kept.push(span);
    reached = span.end;
  }
  return kept;
}

// ---------------------------------------------------------------------------------------------
// Words

interface Word {
  text: string;
  start: number;
  end: number;
  /** Upper- or title-case first letter. */
  capitalised: boolean;
  /** Capitalised with a lower-case letter somewhere: `Ada`, `McAdam`, not `NASA`. */
  titleCase: boolean;
  /** Part of a span claimed by an earlier kind of entity. */
  claimed: boolean;
  /** Only whitespace, with at most one line break, lies between this word and the next. */
  joinsNext: boolean;
}

/** Letters and digits, with inner apostrophes and hyphens (`O'Brien`, `Jean-Luc`); `&` on its own. */
const wordPattern = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*(?:['’-][\p{L}\p{M}\p{N}]+)*|&/gu;
const capitalisedStart = /^[\p{Lu}\p{Lt}]/u;
const lowerCaseLetter = /\p{Ll}/u;

function readWords(text: string, claimedSpans: readonly Span[]): Word[] {
  const words: Word[] = [];
  let spanIndex = 0;
  wordPattern.lastIndex = 0;
  for (let match = wordPattern.exec(text); match; match = wordPattern.exec(text)) {
    const start = match.index;
    const end = start + match[0].length;
    while (spanIndex < claimedSpans.length && (claimedSpans[spanIndex] as Span).end <= start) spanIndex += 1;
    const span = claimedSpans[spanIndex];
    const capitalised = capitalisedStart.test(match[0]);
    words.push({
      text: match[0],
      start,
      end,
      capitalised,
      titleCase: capitalised && lowerCaseLetter.test(match[0]),
      claimed: span !== undefined && span.start < end,
      joinsNext: false,
    });
  }
  for (let i = 0; i + 1 < words.length; i += 1) {
    const word = words[i] as Word;
    word.joinsNext = isJoiningGap(text, word.end, (words[i + 1] as Word).start);
  }
  return words;
}

function isJoiningGap(text: string, from: number, to: number): boolean {
  if (from === to) return false;
  let lineBreaks = 0;
  for (let i = from; i < to; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0x0a) lineBreaks += 1;
    else if (!(code === 0x20 || code === 0x09 || code === 0x0d || code === 0xa0)) return false;
    if (lineBreaks > 1) return false;
  }
  return true;
}

/**
 * Capitalised words that say nothing about a name: sentence-start filler, pronouns, titles, weekdays
 * and months. Compared as written: only title-case words are ever candidates.
 */
const stopWords = new Set([
  ...'The A An This That These Those In On At For But And Or Nor Of To From By With Without As If'.split(' '),
  ...'When While After Before Since Because Although Though However Meanwhile Moreover Furthermore'.split(
    ' ',
  ),
  ...'Also Then Thus So Yet Still Yesterday Today Tomorrow Tonight Here There Now Please Thank Thanks'.split(
    ' ',
  ),
  ...'We You He She It They Our Their His Her Its My Your Is Are Was Were Will Would Can Could Should'.split(
    ' ',
  ),
  ...'Do Does Did Has Have Had Not No Yes All Some Any Each Every Many Most Other Such What Which Who'.split(
    ' ',
  ),
  ...'Whom Whose Where Why How Dear Mr Mrs Ms Miss Dr Prof Sir Madam Hello Hi Regards Best Sincerely'.split(
    ' ',
  ),
  ...'Yours Note See Re Fwd Subject Monday Tuesday Wednesday Thursday Friday Saturday Sunday'.split(' '),
  ...'January February March April May June July August September October November December'.split(' '),
]);

/** Lower-case name particles, allowed between the words of a name (at most two in a row). */
const nameParticles = new Set(
  'de da del della di du des la le van von der den ter ten bin ibn al el dos das y'.split(' '),
);

// ---------------------------------------------------------------------------------------------
// Organisations

const legalSuffixes = new Set(
  [
    'Inc Incorporated Ltd Limited LLC LLP GmbH AG SA SAS SARL SpA NV BV KG KGaA Pty plc PLC Plc',
    'Corp Corporation Co Company Group Holdings Partners',
  ]
    .join(' ')
    .split(' '),
);
/** Suffixes that also name an institution on their own, and so may take an `of` complement. */
const institutionSuffixes = new Set(
  'Bank University Institute Agency Ministry Department College Academy Commission Council Authority Foundation Association Society'.split(
    ' ',
  ),
);
const maxWordsBeforeSuffix = 6;
const maxComplementWords = 4;

function findOrganizations(text: string, words: Word[]): Span[] {
  const found: Span[] = [];
  for (let i = 0; i < words.length; i += 1) {
    const suffix = words[i] as Word;
    const institution = institutionSuffixes.has(suffix.text);
    if (suffix.claimed || !(institution || legalSuffixes.has(suffix.text))) continue;

    // Capitalised words (and `&`) right before the suffix.
    let first = i;
    while (first > 0 && i - first < maxWordsBeforeSuffix) {
      const previous = words[first - 1] as Word;
      const fits = previous.text === '&' || (previous.capitalised && !stopWords.has(previous.text));
      if (!previous.joinsNext || previous.claimed || !fits) break;
      first -= 1;
    }
    while (first < i && (words[first] as Word).text === '&') first += 1;

    // `of` [`the`] and capitalised words after an institution.
    let last = i;
    const of = words[i + 1];
    if (institution && suffix.joinsNext && of?.text === 'of' && of.joinsNext) {
      let next = i + 2;
      if (words[next]?.text === 'the' && (words[next] as Word).joinsNext) next += 1;
      let complementEnd = -1;
      for (let count = 0; count < maxComplementWords; count += 1) {
        const word = words[next];
        if (!word || word.claimed || !word.capitalised || stopWords.has(word.text)) break;
        complementEnd = next;
        if (!word.joinsNext) break;
        next += 1;
      }
      if (complementEnd !== -1) last = complementEnd;
    }

    if (first === i && last === i) continue;
    const start = (words[first] as Word).start;
    const end = (words[last] as Word).end;
    // All capitals is shouting (`THIS IS AS SA`), too unreliable to call an organisation.
    if (!lowerCaseLetter.test(text.slice(start, end))) continue;
    found.push({ type: 'Organization', start, end });
    for (let claimed = first; claimed <= last; claimed += 1) (words[claimed] as Word).claimed = true;
    i = last;
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Names

const minNameWords = 2;
const maxNameWords = 4;
const maxParticlesInARow = 2;

function isNameWord(word: Word | undefined): word is Word {
  return word !== undefined && word.titleCase && !word.claimed && !stopWords.has(word.text);
}

function findNames(words: readonly Word[]): Span[] {
  const found: Span[] = [];
  let i = 0;
  while (i < words.length) {
    if (!isNameWord(words[i])) {
      i += 1;
      continue;
    }
    // Extend the run: name words, or up to two particles followed by a name word, all joined.
    const first = i;
    let last = i;
    let nameWords = 1;
    for (;;) {
      const current = words[last] as Word;
      if (!current.joinsNext) break;
      let next = last + 1;
      let particles = 0;
      for (let word = words[next]; particles < maxParticlesInARow; word = words[next]) {
        if (!word || !nameParticles.has(word.text) || !word.joinsNext) break;
        next += 1;
        particles += 1;
      }
      // Also ends the run at a particle that does not join a name word (`Ada de.`).
      if (!isNameWord(words[next])) break;
      last = next;
      nameWords += 1;
    }
    if (nameWords >= minNameWords && nameWords <= maxNameWords) {
      found.push({ type: 'Name', start: (words[first] as Word).start, end: (words[last] as Word).end });
    }
    i = last + 1;
  }
  return found;
}
