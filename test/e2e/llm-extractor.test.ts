import { request, waitForDocument, type DocumentView } from '../support/http';
import { startChatServer, type ChatServer } from '../support/chat-server';
import { withMissionStack } from '../support/missions';
import type { TestStack } from '../support/stack';

/**
 * The optional language-model extractor, against a real HTTP chat endpoint on loopback: its vote
 * joins the consensus, its answers are checked against the text, and a bad answer or a refusal is
 * handled as documented.
 */

/** What the scripted model "knows": it finds these names where they occur, and invents one. */
const known: Record<string, string> = { 'Alan Turing': 'Person', 'Charles Babbage': 'Person' };

let chat: ChatServer;
let stack: TestStack;
let mission: string;

beforeAll(async () => {
  chat = await startChatServer();
});
withMissionStack(
  ['llm'],
  () => ({ env: { LLM_URL: chat.url, LLM_MODEL: 'scripted-model', LLM_API_KEY: 'test-key' } }),
  (started, [id]) => {
    stack = started;
    mission = id as string;
  },
);
afterAll(async () => {
  await chat?.close();
});

beforeEach(() => {
  chat.answer = (req) => {
    const text = req.messages.find((message) => message.role === 'user')?.content ?? '';
    const entities = Object.entries(known)
      .filter(([name]) => text.includes(name))
      .map(([name, type]) => ({ type, name }));
    // An invented entity, and one of a type the cartridge does not have: neither may count.
    entities.push({ type: 'Place', name: 'Atlantis' }, { type: 'Starship', name: 'Alan Turing' });
    return JSON.stringify({ entities });
  };
});

async function ingest(text: string): Promise<DocumentView> {
  const admitted = await request(stack.baseUrl, 'POST', `/v1/missions/${mission}/documents`, { text });
  return waitForDocument(stack.baseUrl, mission, admitted.body.documentId as string);
}

it("votes with the cartridge's types, only for names in the text", async () => {
  const before = chat.requests.length;
  const document = await ingest(
    'Alan Turing discussed the engine with Charles Babbage beside the harbour of Valparaiso.',
  );
  expect(document.status).toBe('indexed');
  const sent = chat.requests[before];
  expect(sent).toMatchObject({
    model: 'scripted-model',
    responseFormat: { type: 'json_object' },
    authorization: 'Bearer test-key',
  });
  expect(sent?.messages[0]?.content).toContain('Person, Place, Vessel');
  const byKey = new Map(document.consensus?.entities.map((entity) => [entity.key, entity]));
  expect(byKey.get('alan turing')).toMatchObject({
    type: 'Person',
    extractors: ['dictionary', 'heuristic', 'llm'],
    support: 1,
  });
  // Found by the model and the heuristics, not the dictionary: two of three eligible extractors.
  expect(byKey.get('charles babbage')).toMatchObject({ type: 'Person', extractors: ['heuristic', 'llm'] });
  expect(byKey.get('charles babbage')?.support).toBeCloseTo(2 / 3, 3);
  expect(byKey.has('atlantis')).toBe(false);
  expect(document.consensus?.extractors.map((extractor) => extractor.name)).toContain('llm');
  expect(document.consensus).toMatchObject({ llm: { model: 'scripted-model', invalidAnswers: 0 } });
});

it('an answer that is not the JSON asked for counts as finding nothing, and is counted', async () => {
  chat.answer = () => 'Sure! Here are the entities: Ada Lovelace.';
  const document = await ingest('Ada Lovelace wrote the notes in Lisbon one wet spring.');
  expect(document.status).toBe('indexed');
  expect(document.consensus).toMatchObject({ llm: { invalidAnswers: 1 } });
  const ada = document.consensus?.entities.find((entity) => entity.key === 'ada lovelace');
  expect(ada?.extractors).not.toContain('llm');
});

it('a refusal (a client error) fails the document with extraction_rejected, not retried', async () => {
  chat.answer = () => 401;
  const before = chat.requests.length;
  const document = await ingest('Grace Hopper found the moth in Reykjavik, or so the story goes.');
  expect(document.status).toBe('failed');
  expect(document.error?.code).toBe('extraction_rejected');
  expect(chat.requests.length - before).toBe(1);
});
