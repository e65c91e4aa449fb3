import { search, uploadFile, waitForDocument } from '../support/http';
import { ensureOcrEngine, makeScannedPdf, makeTextImage } from '../support/ocr';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * The ocr lane through the API, with a real Tesseract: images are routed to it by the default
 * cartridge; a PDF without a text layer is found out by the parser and moves to it; a worker
 * without an engine fails such documents with `ocr_unavailable`, never with empty text.
 */

let stack: TestStack;

beforeAll(async () => {
  await ensureOcrEngine();
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

it('an image is routed to the ocr lane, read, indexed and found by its words', async () => {
  const image = await makeTextImage(['Harbour lanterns glow amber', 'over the quiet slipway']);
  const admitted = await uploadFile(stack.baseUrl, 'default', image, 'lanterns.png');
  expect(admitted.status).toBe(202);
  expect(admitted.body.mediaType).toBe('image/png');
  const document = await waitForDocument(stack.baseUrl, 'default', admitted.body.documentId as string);
  expect(document).toMatchObject({ status: 'indexed', lane: 'ocr', documentClass: 'scan' });
  expect(document.steps.map((step) => step.step)).toContain('ocr');
  const found = await search(stack.baseUrl, 'default', 'lanterns amber slipway');
  expect(found.body.results[0]?.documentId).toBe(admitted.body.documentId);
});

it('a scanned PDF moves from its lane to the ocr lane and every page is read', async () => {
  const pdf = await makeScannedPdf([
    ['Ledger of the copper foundry'],
    ['Bellows repaired in spring'],
    ['Crucibles ordered from Sheffield'],
  ]);
  const admitted = await uploadFile(stack.baseUrl, 'default', pdf, 'foundry.pdf');
  const document = await waitForDocument(stack.baseUrl, 'default', admitted.body.documentId as string);
  expect(document).toMatchObject({ status: 'indexed', lane: 'ocr' });
  expect((document as unknown as { routingRule: string }).routingRule).toBe('needs-ocr');
  const found = await search(stack.baseUrl, 'default', 'crucibles Sheffield');
  expect(found.body.results[0]?.documentId).toBe(admitted.body.documentId);
});

it('without an OCR engine, such documents fail with ocr_unavailable and say what to install', async () => {
  const bare = await startTestStack({ TESSERACT_PATH: '/nonexistent/tesseract' });
  try {
    const image = await makeTextImage(['Nobody can read this here']);
    const admitted = await uploadFile(bare.baseUrl, 'default', image, 'unread.png');
    const document = await waitForDocument(bare.baseUrl, 'default', admitted.body.documentId as string);
    expect(document.status).toBe('failed');
    expect(document.error?.code).toBe('ocr_unavailable');
    expect(document.error?.message).toMatch(/tesseract/);
  } finally {
    await bare.stop();
  }
});
