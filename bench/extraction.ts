/**
 * Extraction time against text length, on texts built to be hostile (bench/hostile-texts.ts): the
 * dictionary extractor, the heuristic extractor and the PII scanner, each at a baseline size and at
 * four times it, in the same run. Linear work prints a ratio near 4; quadratic work would print 16.
 * `npm run bench:extraction`.
 */
import { compileEntityExtractor } from '../domain/entities';
import { extractHeuristicEntities } from '../domain/heuristic-entities';
import { compilePiiScanner } from '../domain/pii';
import { hostileTexts } from './hostile-texts';

function millis(work: () => void): number {
  const started = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const dictionary = compileEntityExtractor([{ type: 'Thing', terms: hostileTexts.dictionaryTerms() }]);
const scan = compilePiiScanner([{ name: 'test-id', pattern: '\\bID-\\d{6}\\b' }]);

const cases: Array<{ name: string; run: (scale: number) => void }> = [
  { name: 'dictionary (10,001 terms)', run: (scale) => dictionary(hostileTexts.dictionaryChunks(scale)) },
  {
    name: 'heuristic extractor',
    run: (scale) => {
      for (const text of hostileTexts.heuristic)
        extractHeuristicEntities([{ chunkIndex: 0, text: text.repeat(scale) }]);
    },
  },
  {
    name: 'PII scan',
    run: (scale) => {
      for (const text of hostileTexts.pii) scan(text.repeat(scale));
    },
  },
];

for (const { name, run } of cases) {
  run(1); // warm-up: compile and optimise before measuring
  const baseline = millis(() => run(2));
  const larger = millis(() => run(8));
  process.stdout.write(
    `${name}: ${baseline.toFixed(0)} ms at 1x, ${larger.toFixed(0)} ms at 4x: ratio ${(larger / baseline).toFixed(2)} (linear 4, quadratic 16)\n`,
  );
}
