import { maxQuestionParts } from '../domain/query-parts';
import { askChatForList } from './openai-http';

export interface ChatQuestionSplitterOptions {
  /** Base URL up to and including the API version, e.g. https://api.example.com/v1 */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** A search waits this long for the model before it splits by rule instead. */
  timeoutMs?: number;
}

/**
 * Splits a multi-part question with an OpenAI-compatible chat model, which can do what rules cannot:
 * "how do I create an index and drop it again" becomes "how do I create an index" and "how do I drop
 * an index". Its answer is checked, not trusted: a list of 1 to 4 non-empty questions of bounded
 * length, or null (the caller then splits by rule). Request errors throw, as for every endpoint.
 */
export class ChatQuestionSplitter {
  readonly model: string;

  constructor(private readonly options: ChatQuestionSplitterOptions) {
    this.model = options.model;
  }

  async split(question: string, signal?: AbortSignal): Promise<string[] | null> {
    const listed = await askChatForList({
      key: 'questions',
      baseUrl: this.options.baseUrl,
      model: this.options.model,
      apiKey: this.options.apiKey,
      system:
        'You split a search question into the separate questions it asks, so each can be ' +
        'searched on its own. Answer with JSON only: {"questions":["<question>", ...]}. ' +
        `At most ${maxQuestionParts} questions. Each must make sense alone: repeat the subject ` +
        'where the original refers back to it. A question that asks one thing comes back ' +
        'unchanged, as the only item. Keep the original language and wording otherwise.',
      user: question,
      signal,
      timeoutMs: this.options.timeoutMs ?? 5_000,
      rejectedCode: 'question_split_rejected',
    });
    return checkedParts(listed, question);
  }
}

/** The model's questions when they are what was asked for; null otherwise. */
function checkedParts(listed: unknown[] | null, question: string): string[] | null {
  if (!listed || listed.length === 0 || listed.length > maxQuestionParts) return null;
  // A part may repeat the subject it refers back to, so it may be longer than its share of the
  // question, but never longer than the question plus a little: a model that answers instead of
  // splitting is refused.
  const longest = question.length + 80;
  const parts = listed.map((item: unknown) => (typeof item === 'string' ? item.trim() : ''));
  return parts.every((part) => part.length > 0 && part.length <= longest) ? parts : null;
}
