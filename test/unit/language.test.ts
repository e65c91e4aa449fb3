import { detectLanguage } from '../../domain/language';

it.each([
  ['en', 'The keeper of the lighthouse wrote that the storm was worse than any he had seen in the north.'],
  [
    'fr',
    'Le gardien du phare a écrit que la tempête était pire que toutes celles qu’il avait vues dans le nord.',
  ],
  [
    'de',
    'Der Wärter des Leuchtturms schrieb, dass der Sturm schlimmer war als alle, die er im Norden gesehen hatte.',
  ],
  ['es', 'El guardián del faro escribió que la tormenta era peor que todas las que había visto en el norte.'],
  [
    'it',
    'Il guardiano del faro scrisse che la tempesta era peggiore di tutte quelle che aveva visto nel nord.',
  ],
  [
    'nl',
    'De wachter van de vuurtoren schreef dat de storm erger was dan alle die hij in het noorden had gezien.',
  ],
  ['pt', 'O guardião do farol escreveu que a tempestade era pior do que todas as que tinha visto no norte.'],
])('tells %s prose', (language, text) => {
  expect(detectLanguage(text)?.language).toBe(language);
});

it('says nothing when the text gives too little to go on', () => {
  expect(detectLanguage('')).toBeNull();
  expect(detectLanguage('MV-101 4711 ZX-9')).toBeNull();
  expect(detectLanguage('Lighthouse.')).toBeNull();
});

it('reads only the opening of a long text, and answers the same every time', () => {
  const text = `${'the storm was over and the sea was calm '.repeat(2_000)}${'le la les et des '.repeat(20_000)}`;
  const first = detectLanguage(text);
  expect(first?.language).toBe('en');
  expect(detectLanguage(text)).toEqual(first);
});
