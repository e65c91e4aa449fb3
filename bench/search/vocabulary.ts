/**
 * The words the search benchmark writes with: topics of real English words (so the embedding model
 * sees meaning and BM25 sees a realistic spread of common and rare terms), words every topic shares,
 * and the names of people and places that become the graph's entities.
 */

/** A list written as one string of words separated by spaces (prettier keeps it on a few lines). */
function words(text: string): string[] {
  return text.split(' ');
}

function phrases(text: string): string[] {
  return text.split('|');
}

export interface Topic {
  name: string;
  /** Things the topic talks about, most frequent first (picked with a skew towards the front). */
  nouns: readonly string[];
  /** Past-tense verbs, most frequent first. */
  verbs: readonly string[];
  adjectives: readonly string[];
  /** How a user might ask about the topic in words of their own, not the corpus's. */
  questions: readonly string[];
}

export const topics: readonly Topic[] = [
  {
    name: 'harbour',
    nouns: words(
      'ship harbour cargo crane dock tide vessel container pilot anchor berth hull ferry tugboat quay manifest mooring lighthouse breakwater trawler',
    ),
    verbs: words('unloaded docked sailed towed inspected moored delayed steered loaded anchored'),
    adjectives: words('heavy coastal salty rusty northern crowded sheltered'),
    questions: phrases(
      'how long do boats wait before they can unload goods at the port|who guides big boats safely into the bay|what protects the port from waves',
    ),
  },
  {
    name: 'astronomy',
    nouns: words(
      'telescope star planet comet galaxy orbit nebula eclipse observatory moon asteroid spectrum meteor constellation supernova quasar parallax exoplanet pulsar aurora',
    ),
    verbs: words(
      'observed measured tracked photographed discovered calibrated mapped detected charted recorded',
    ),
    adjectives: words('distant bright faint dusty rotating infrared celestial'),
    questions: phrases(
      'how do scientists look at objects far away in space|when does the sun get hidden by the moon|what lights appear in the night sky near the poles',
    ),
  },
  {
    name: 'kitchen',
    nouns: words(
      'bread oven recipe sauce flour butter dough pastry soup spice knife broth garlic saffron marinade custard brioche ladle sourdough vinaigrette',
    ),
    verbs: words('baked stirred roasted seasoned kneaded simmered tasted chopped whisked served'),
    adjectives: words('crisp savoury sweet golden fragrant tender smoky'),
    questions: phrases(
      'how do you make a loaf rise before putting it in the heat|which ingredients give a stew its flavour|what is a good dressing for a salad',
    ),
  },
  {
    name: 'clinic',
    nouns: words(
      'patient doctor nurse dose symptom ward fever vaccine diagnosis therapy clinic infection antibiotic fracture allergy stethoscope triage biopsy sutures insulin',
    ),
    verbs: words(
      'treated examined prescribed admitted discharged diagnosed monitored vaccinated operated referred',
    ),
    adjectives: words('chronic acute mild severe sterile clinical feverish'),
    questions: phrases(
      'what happens when someone arrives at the emergency room|which medicine helps with a bacterial illness|how are broken bones looked after',
    ),
  },
  {
    name: 'geology',
    nouns: words(
      'rock mineral volcano fault sediment glacier quartz basalt fossil earthquake canyon granite lava magma strata erosion limestone obsidian tectonics geyser',
    ),
    verbs: words('eroded erupted surveyed sampled drilled shifted dated excavated collapsed deposited'),
    adjectives: words('volcanic ancient layered molten porous frozen jagged'),
    questions: phrases(
      'why do mountains sometimes explode with hot liquid rock|how old are the layers of stone in the valley|what makes the ground shake',
    ),
  },
  {
    name: 'finance',
    nouns: words(
      'budget invoice loan interest market share dividend audit ledger revenue tax bond mortgage portfolio inflation pension liquidity auditor collateral derivative',
    ),
    verbs: words('invested audited borrowed repaid taxed forecast approved hedged budgeted reported'),
    adjectives: words('quarterly fiscal volatile profitable overdue annual solvent'),
    questions: phrases(
      'how much money did the company earn this year|who checks that the accounts are correct|what happens when prices rise quickly',
    ),
  },
  {
    name: 'railway',
    nouns: words(
      'train station track platform locomotive signal timetable carriage junction tunnel conductor freight viaduct sleeper points siding pantograph turntable funicular railcar',
    ),
    verbs: words('departed arrived derailed shunted electrified rerouted coupled braked scheduled cancelled'),
    adjectives: words('express overnight narrow electric suburban punctual crowded'),
    questions: phrases(
      'why was the journey delayed on the line|where do passengers wait for their connection|how do engines change direction at the depot',
    ),
  },
  {
    name: 'forest',
    nouns: words(
      'tree forest oak pine moss fern bark seedling canopy timber mushroom woodpecker beech undergrowth lichen sapling birch clearing hedgehog acorn',
    ),
    verbs: words('planted felled pruned sprouted thinned burned replanted grazed harvested nested'),
    adjectives: words('mossy dense evergreen damp shady wild towering'),
    questions: phrases(
      'which animals live among the old woods|how are young plants protected after cutting|what grows on fallen logs in the shade',
    ),
  },
  {
    name: 'software',
    nouns: words(
      'server database release bug compiler query deployment cache thread endpoint schema index container scheduler migration latency regression kernel firewall checksum',
    ),
    verbs: words('deployed compiled patched refactored indexed cached crashed migrated profiled rolled'),
    adjectives: words('concurrent slow stable distributed legacy encrypted idle'),
    questions: phrases(
      'why did the website become slow after the update|how is data moved to a new structure|what stopped the program from starting',
    ),
  },
  {
    name: 'music',
    nouns: words(
      'violin choir concert melody orchestra piano rhythm chord symphony drum conductor rehearsal sonata cello harmony overture libretto metronome trombone cadenza',
    ),
    verbs: words('played rehearsed composed conducted tuned recorded sang improvised performed arranged'),
    adjectives: words('loud gentle baroque lively solemn acoustic melodic'),
    questions: phrases(
      'how did the performers prepare for the evening show|which instruments play the slow part of the piece|who leads the musicians on stage',
    ),
  },
];

/** Words any topic uses, most frequent first: they make terms common across the whole corpus. */
export const sharedNouns: readonly string[] = words(
  'team report morning week plan season city group problem result visit evening winter summer committee village budget record office council',
);

export const timePhrases: readonly string[] = phrases(
  'on Monday|last week|in the spring|after the storm|before dawn|during the festival|in late autumn|for the third time|at the end of the month|despite the rain',
);

const firstNames = words(
  'Ada Bruno Clara Dmitri Elena Farid Greta Hugo Ingrid Jonas Keiko Lars Maya Nikolai Olga Pablo Quentin Rosa Sven Tamara Umar Vera Walter Ximena Yusuf Zara Amara Boris Celine Dario',
);
const surnames = words(
  'Abernathy Bellweather Castellano Drummond Eriksen Fairbanks Galloway Hartmann Iverson Jablonski Kowalczyk Lindqvist Marchetti Nakamura Okonkwo Pemberton Quintero Rasmussen Szabo Thornbury Underhill Valdivia Whitlock Xanthos Yamamoto Zielinski Achebe Brannigan Cuthbert Delacroix',
);

/** Every first name with every surname: 900 people, each name rare enough to be a good search term. */
export const people: readonly string[] = firstNames.flatMap((first) =>
  surnames.map((last) => `${first} ${last}`),
);

export const places: readonly string[] = phrases(
  'Port Alder|Brackenridge|Cold Harbour|Dunmore Bay|Eastfold|Fernhollow|Glenrowan|High Tarn|Ironbridge|Juniper Falls|Kingsmere|Lowater|Marrowdale|Northwick|Oakhaven|Pellston|Quarry Hill|Redcliffe|Saltmarsh|Thistlewood|Upper Brook|Valemont|Westerhaven|Yarrowby|Ashcombe|Birchfield|Crowhurst|Dovecote|Elmstead|Foxley',
);
