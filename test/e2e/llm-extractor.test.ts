import { request, waitForDocument, type DocumentView } from '../support/http';
import { startChatServer, type ChatRequestLog, type ChatServer } from '../support/chat-server';
import { withMissionStack } from '../support/missions';
import type { TestStack } from '../support/stack';

/**
 * The optional language-model extractor and question splitter, against a real HTTP chat endpoint on
 * loopback: the extractor's vote joins the consensus, its answers are checked against the text, and a
 * bad answer or a refusal is handled as documented; a mission that asks the model to split questions
 * gets its parts, and the rules whenever the model fails.
 */

/** What the scripted model "knows": it finds these names where they occur, and invents one. */
const known: Record<string, string> = { 'Alan Turing': 'Person', 'Charles Babbage': 'Person' };

let chat: ChatServer;
let stack: TestStack;
let mission: string;
let splitMission: string;

beforeAll(async () => {
  chat = await startChatServer();
});
withMissionStack(
  ['llm', 'split'],
  () => ({
    env: { LLM_URL: chat.url, LLM_MODEL: 'scripted-model', LLM_API_KEY: 'test-key' },
    cartridges: { split: { search: { language: 'english', questionSplitter: 'model' } } },
  }),
  (started, [id, split]) => {
    stack = started;
    mission = id as string;
    splitMission = split as string;
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

describe('question splitting by the chat model', () => {
  const isSplitRequest = (req: ChatRequestLog) =>
    req.messages[0]?.content.includes('split a search question');
  const search = (missionId: string, query: string) =>
    request<{ parts: string[]; splitBy: string }>(stack.baseUrl, 'POST', `/v1/missions/${missionId}/search`, {
      query,
    });

  it('a mission that asks for the model gets its parts, which a rule could not have made', async () => {
    chat.answer = (req) =>
      isSplitRequest(req)
        ? JSON.stringify({ questions: ['how do I create an index', 'how do I drop an index'] })
        : '{"entities":[]}';
    const answer = await search(splitMission, 'how do I create an index and drop it again');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      parts: ['how do I create an index', 'how do I drop an index'],
      splitBy: 'model',
    });
    const asked = chat.requests.filter(isSplitRequest).at(-1);
    expect(asked?.messages[1]?.content).toBe('how do I create an index and drop it again');
    expect(asked).toMatchObject({ model: 'scripted-model', authorization: 'Bearer test-key' });
  });

  it('an unusable answer or a failing model leaves the split to the rules; the search still answers', async () => {
    chat.answer = (req) => (isSplitRequest(req) ? 'Here are your questions!' : '{"entities":[]}');
    const unusable = await search(splitMission, 'What is a sequence? How do I reset one?');
    expect(unusable.status).toBe(200);
    expect(unusable.body).toMatchObject({
      parts: ['What is a sequence?', 'How do I reset one?'],
      splitBy: 'rules',
    });
    chat.answer = (req) => (isSplitRequest(req) ? 503 : '{"entities":[]}');
    const failing = await search(splitMission, 'Which locks does VACUUM take; when does it run?');
    expect(failing.status).toBe(200);
    expect(failing.body).toMatchObject({
      parts: ['Which locks does VACUUM take;', 'when does it run?'],
      splitBy: 'rules',
    });
    // An answer that is no split (too many parts) is refused the same way.
    chat.answer = (req) =>
      isSplitRequest(req) ? JSON.stringify({ questions: ['a', 'b', 'c', 'd', 'e'] }) : '{"entities":[]}';
    expect((await search(splitMission, 'how are triggers fired')).body.splitBy).toBe('rules');
  });

  it('a mission on the default rules never asks the model', async () => {
    const before = chat.requests.filter(isSplitRequest).length;
    const answer = await search(mission, 'how do I create a view, and how do I drop one');
    expect(answer.body).toMatchObject({
      parts: ['how do I create a view', 'how do I drop one'],
      splitBy: 'rules',
    });
    expect(chat.requests.filter(isSplitRequest)).toHaveLength(before);
  });
});
