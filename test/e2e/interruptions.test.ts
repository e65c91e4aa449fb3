import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ingestWorkflowId } from '../../domain/documents';
import { startEmbeddingServer, type EmbeddingServer } from '../support/embedding-server';
import { request, waitForDocument } from '../support/http';
import { until } from '../support/wait';
import { runsSettle } from '../support/visibility';
import { startTestStack, type TestStack } from '../support/stack';

let stack: TestStack;
let embeddings: EmbeddingServer;

beforeAll(async () => {
  embeddings = await startEmbeddingServer(16);
  stack = await startTestStack(embeddings.env);
});
afterAll(async () => {
  await stack?.stop();
  await embeddings?.close();
});

it('an upload cut off by the client leaves no temporary file and no document', async () => {
  const url = new URL(stack.baseUrl);
  const socket = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const boundary = 'cutboundary';
  socket.write(
    `POST /v1/missions/default/documents HTTP/1.1\r\nhost: ${url.host}\r\n` +
      `content-type: multipart/form-data; boundary=${boundary}\r\ncontent-length: 10000000\r\n\r\n` +
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="cut.txt"\r\n` +
      `content-type: text/plain\r\n\r\n${'partial upload text '.repeat(5000)}`,
  );
  const tmp = join(stack.dataDir, 'blobs', 'tmp');
  await until(async () => (await readdir(tmp).catch(() => [])).length > 0, 10_000, 'the upload to start');
  socket.destroy();
  await until(
    async () => (await readdir(tmp).catch(() => [])).length === 0,
    10_000,
    'the temporary file to go',
  );
  const list = await request<{ documents: unknown[] }>(
    stack.baseUrl,
    'GET',
    '/v1/missions/default/documents',
  );
  expect(list.body.documents).toEqual([]);
});

it('a cancelled run leaves its document cancelled, not processing', async () => {
  embeddings.behaviour = () => 'hang';
  const admitted = await request(stack.baseUrl, 'POST', '/v1/missions/default/documents', {
    text: 'A document whose run an operator cancels from the Web UI.',
  });
  const documentId = admitted.body.documentId as string;
  await until(() => embeddings.requests.length > 0, 30_000, 'the embed step');
  await stack.platform.client.workflow.getHandle(ingestWorkflowId('default', documentId)).cancel();
  const document = await waitForDocument(stack.baseUrl, 'default', documentId, 30_000);
  expect(document.status).toBe('cancelled');
  await runsSettle(stack.platform.client, 'IngestStatus = "cancelled"', 1);
});
