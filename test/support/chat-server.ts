import { jsonPostServer, listenOnLoopback } from './loopback';

interface ChatRequestBody {
  model: string;
  messages: ChatRequestLog['messages'];
  response_format?: unknown;
}

export interface ChatRequestLog {
  model: string;
  messages: Array<{ role: string; content: string }>;
  responseFormat: unknown;
  authorization: string | null;
}

export interface ChatServer {
  url: string;
  requests: ChatRequestLog[];
  /** What the model answers to a request: the message content, or an HTTP status to fail with. */
  answer: (request: ChatRequestLog) => string | number;
  close(): Promise<void>;
}

/**
 * A real OpenAI-compatible `/v1/chat/completions` endpoint on loopback, whose "model" a test
 * scripts: the platform's language-model extractor talks HTTP to it exactly as to a hosted model.
 */
export async function startChatServer(): Promise<ChatServer> {
  const state: ChatServer = {
    url: '',
    requests: [],
    answer: () => '{"entities":[]}',
    close: async () => undefined,
  };
  const server = jsonPostServer<ChatRequestBody>('/v1/chat/completions', (body, req, res) => {
    const logged: ChatRequestLog = {
      model: body.model,
      messages: body.messages,
      responseFormat: body.response_format ?? null,
      authorization: req.headers.authorization ?? null,
    };
    state.requests.push(logged);
    const answer = state.answer(logged);
    if (typeof answer === 'number') {
      res.writeHead(answer, { 'content-type': 'application/json' }).end('{"error":{"message":"scripted"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: `chat-${state.requests.length}`,
        object: 'chat.completion',
        model: body.model,
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: answer } }],
      }),
    );
  });
  const listening = await listenOnLoopback(server);
  state.url = `${listening.origin}/v1`;
  state.close = listening.close;
  return state;
}
