import { filler, makeDocx, makePdf } from '../support/fixtures';
import { search, uploadFile, waitForDocument } from '../support/http';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const formats: Array<{
  name: string;
  filename: string;
  phrase: string;
  /** The default cartridge's routing: short text takes the fast lane. */
  lane: string;
  make: (phrase: string) => Promise<Buffer>;
}> = [
  {
    name: 'plain text',
    lane: 'fast',
    filename: 'notes.txt',
    phrase: 'vermilion tortoise negotiates',
    make: async (phrase) => Buffer.from([...filler(1, 3000), `The ${phrase} with the ferry.`].join('\n\n')),
  },
  {
    name: 'markdown',
    lane: 'fast',
    filename: 'guide.md',
    phrase: 'saffron heron calibrates',
    make: async (phrase) =>
      Buffer.from(
        `# Field guide\n\n${filler(2, 2000).join('\n\n')}\n\n## Late findings\n\nA ${phrase} the gauge.\n`,
      ),
  },
  {
    name: 'html',
    lane: 'standard',
    filename: 'page.html',
    phrase: 'cobalt lynx archives',
    make: async (phrase) =>
      Buffer.from(
        `<!doctype html><html><head><title>Page</title><style>.x{}</style></head><body><h1>Report</h1>` +
          filler(3, 2000)
            .map((p) => `<p>${p}</p>`)
            .join('') +
          `<p>The ${phrase} &amp; sorts.</p><script>var hiddenScriptWord = 1;</script></body></html>`,
      ),
  },
  {
    name: 'pdf',
    lane: 'standard',
    filename: 'report.pdf',
    phrase: 'amber walrus inventories',
    make: (phrase) => makePdf('Quarterly report', [...filler(4, 2500), `An ${phrase} the stock.`]),
  },
  {
    name: 'docx',
    lane: 'standard',
    filename: 'memo.docx',
    phrase: 'indigo falcon reconciles',
    make: (phrase) => makeDocx('Memo', [...filler(5, 2500), `The ${phrase} the ledger.`]),
  },
];

describe.each(formats)('$name', ({ filename, phrase, lane, make }) => {
  it('is ingested, indexed and found at rank 1 by a phrase only it contains', async () => {
    const bytes = await make(phrase);
    const admitted = await uploadFile(stack.baseUrl, 'default', bytes, filename);
    expect(admitted.status).toBe(202);
    expect(admitted.body).toMatchObject({ status: 'received', duplicate: false });
    const documentId = admitted.body.documentId as string;
    expect(admitted.body.workflowId).toBe(`ingest:default:${documentId}`);

    const document = await waitForDocument(stack.baseUrl, 'default', documentId);
    expect(document.status).toBe('indexed');
    expect(document.lane).toBe(lane);
    expect(document.cartridgeVersion).toBeGreaterThanOrEqual(1);
    expect(document.chunkCount).toBeGreaterThan(1);
    expect(document.steps.map((step) => step.step).sort()).toEqual([
      'chunk',
      'classify',
      'cleanup',
      'embed',
      'extract',
      'graph',
      'index',
      'parse',
      'pii',
    ]);
    expect(document.steps.every((step) => step.status === 'done' && step.durationMs !== null)).toBe(true);

    const found = await search(stack.baseUrl, 'default', phrase);
    expect(found.status).toBe(200);
    expect(found.body.results[0]?.documentId).toBe(documentId);
    expect(found.body.results[0]?.text).toContain(phrase);
    expect(typeof found.body.tookMs).toBe('number');
  });
});

it('never indexes script or style content of HTML', async () => {
  const found = await search(stack.baseUrl, 'default', 'hiddenScriptWord');
  expect(found.body.results.filter((result) => result.text.includes('hiddenScriptWord'))).toEqual([]);
});
