import { EmbedderChoice } from '../../adapters/embedder-choice';
import { LexicalEmbedder } from '../../adapters/embedders';
import { MissionflowError } from '../../domain/errors';

const lexical = new LexicalEmbedder(16);
const local = new LexicalEmbedder(32);
const cartridgeWith = (embedder: 'auto' | 'lexical' | 'local' | 'openai') =>
  ({ search: { embedder } }) as Parameters<EmbedderChoice['forCartridge']>[0];

it('auto takes the local model when the process has it, else the lexical embedder', () => {
  expect(new EmbedderChoice({ lexical, local, openai: null }).forCartridge(cartridgeWith('auto'))).toBe(
    local,
  );
  expect(new EmbedderChoice({ lexical, local: null, openai: null }).forCartridge(cartridgeWith('auto'))).toBe(
    lexical,
  );
});

it('a named embedder is that one, and one the process cannot run is a typed error, never a substitute', () => {
  const choice = new EmbedderChoice({ lexical, local: null, openai: null });
  expect(choice.forCartridge(cartridgeWith('lexical'))).toBe(lexical);
  for (const wanted of ['local', 'openai'] as const) {
    expect(() => choice.forCartridge(cartridgeWith(wanted))).toThrow(MissionflowError);
    try {
      choice.forCartridge(cartridgeWith(wanted));
    } catch (error) {
      expect((error as MissionflowError).code).toBe('embedder_unavailable');
    }
  }
});
