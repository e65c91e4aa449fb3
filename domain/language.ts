/**
 * Which language a text is written in, for routing: counts of each language's most common short
 * words (articles, pronouns, prepositions) in the first few thousand words. Cheap, deterministic
 * and good enough to route a document; not a linguistic analysis. Knows the languages the search
 * configuration supports (domain/cartridge.ts `search.language`), by ISO 639-1 code.
 */
const stopWords: Record<string, readonly string[]> = {
  en: [
    'the',
    'and',
    'of',
    'to',
    'in',
    'is',
    'that',
    'it',
    'was',
    'for',
    'with',
    'as',
    'on',
    'are',
    'this',
    'be',
    'by',
    'which',
    'from',
    'have',
  ],
  fr: [
    'le',
    'la',
    'les',
    'et',
    'des',
    'est',
    'une',
    'un',
    'du',
    'que',
    'dans',
    'pour',
    'qui',
    'sur',
    'pas',
    'au',
    'avec',
    'sont',
    'ce',
    'il',
  ],
  de: [
    'der',
    'die',
    'und',
    'das',
    'ist',
    'nicht',
    'ein',
    'eine',
    'zu',
    'den',
    'mit',
    'sich',
    'des',
    'auf',
    'für',
    'im',
    'dem',
    'auch',
    'es',
    'von',
  ],
  es: [
    'el',
    'la',
    'los',
    'las',
    'y',
    'que',
    'en',
    'es',
    'por',
    'una',
    'con',
    'para',
    'del',
    'se',
    'no',
    'un',
    'como',
    'más',
    'su',
    'al',
  ],
  it: [
    'il',
    'la',
    'che',
    'di',
    'e',
    'è',
    'per',
    'una',
    'un',
    'non',
    'sono',
    'del',
    'della',
    'con',
    'gli',
    'le',
    'si',
    'nel',
    'anche',
    'alla',
  ],
  nl: [
    'de',
    'het',
    'een',
    'en',
    'van',
    'is',
    'dat',
    'niet',
    'op',
    'te',
    'zijn',
    'met',
    'voor',
    'die',
    'ook',
    'aan',
    'er',
    'maar',
    'om',
    'wordt',
  ],
  pt: [
    'o',
    'a',
    'os',
    'as',
    'e',
    'que',
    'de',
    'do',
    'da',
    'em',
    'um',
    'uma',
    'para',
    'com',
    'não',
    'é',
    'dos',
    'se',
    'na',
    'no',
  ],
};

export const detectableLanguages = Object.keys(stopWords);

const lookup = new Map<string, string[]>();
for (const [language, words] of Object.entries(stopWords)) {
  for (const word of words) lookup.set(word, [...(lookup.get(word) ?? []), language]);
}

/** Words read at most: the opening of a document says its language. */
const maxWords = 5_000;
/** Fewer stop words than this and the text is too short (or not prose) to say. */
const minEvidence = 5;

export interface DetectedLanguage {
  language: string;
  /** The winner's share of the stop words seen, in [0, 1]. */
  confidence: number;
}

/** The most likely language, or null when the text gives too little evidence or no clear winner. */
export function detectLanguage(text: string): DetectedLanguage | null {
  const counts = new Map<string, number>();
  let seen = 0;
  let words = 0;
  for (const match of text.toLowerCase().matchAll(/\p{L}+/gu)) {
    if (++words > maxWords) break;
    const languages = lookup.get(match[0]);
    if (!languages) continue;
    seen++;
    for (const language of languages) counts.set(language, (counts.get(language) ?? 0) + 1);
  }
  if (seen < minEvidence) return null;
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const [best, second] = ranked;
  if (!best || (second && second[1] === best[1])) return null;
  return { language: best[0], confidence: Math.round((best[1] / seen) * 1000) / 1000 };
}
