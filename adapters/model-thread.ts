import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ModelReply, ModelRequest, ModelThreadData, ModelThreadMessage } from './local-models-thread';

/** A local model loaded in a thread of its own: ask it, and wait for its answer. */
export interface ModelThread {
  ask(request: ModelRequest): Promise<ModelReply>;
}

/**
 * The compiled thread entry. Running from TypeScript sources (the test suite), the build output is
 * used: a worker thread runs plain JavaScript.
 */
function threadScript(): string {
  const candidates = [
    join(__dirname, 'local-models-thread.js'),
    join(__dirname, '..', 'dist', 'adapters', 'local-models-thread.js'),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`model thread script not found (run npm run build): ${candidates.join(', ')}`);
  return found;
}

// One thread per model folder per process, shared by every user of it: the first call starts it
// and concurrent callers wait for the same promise.
const threads = new Map<string, Promise<ModelThread>>();

/**
 * The model's thread (local-models-thread.ts says why models run there), started on first use and
 * answering once the model is loaded. An idle thread keeps no process alive; if it dies, every
 * request waiting on it fails and the next call starts it again, as after a failed load.
 */
export function modelThread(data: ModelThreadData): Promise<ModelThread> {
  const key = `${data.kind}:${data.spec.id}@${data.modelDir}`;
  let started = threads.get(key);
  if (!started) {
    started = startThread(data, () => {
      if (threads.get(key) === started) threads.delete(key);
    });
    threads.set(key, started);
  }
  return started;
}

function startThread(data: ModelThreadData, forget: () => void): Promise<ModelThread> {
  return new Promise((resolveStarted, rejectStarted) => {
    const thread = new Worker(threadScript(), { workerData: data });
    const waiting = new Map<number, { resolve(reply: ModelReply): void; reject(error: Error): void }>();
    let nextId = 0;
    let ready = false;
    const fail = (error: Error) => {
      forget();
      if (!ready) rejectStarted(error);
      for (const request of waiting.values()) request.reject(error);
      waiting.clear();
    };
    thread.on('error', fail);
    thread.on('exit', (code) =>
      fail(new Error(`the ${data.kind} thread of ${data.spec.id} stopped (exit code ${code})`)),
    );
    thread.on('message', (message: ModelThreadMessage) => {
      if ('ready' in message) {
        ready = true;
        thread.unref();
        resolveStarted(started);
      } else if ('loadError' in message) {
        void thread.terminate();
        fail(new Error(message.loadError));
      } else {
        const request = waiting.get(message.id);
        waiting.delete(message.id);
        if (waiting.size === 0) thread.unref();
        if ('error' in message) request?.reject(new Error(message.error));
        else request?.resolve(message.reply);
      }
    });
    const started: ModelThread = {
      ask: (request) =>
        new Promise((resolve, reject) => {
          const id = nextId++;
          waiting.set(id, { resolve, reject });
          // Held while it works, so a process waiting for an answer is not ended under it; an idle
          // thread keeps no process alive (listeners ref a worker: unref comes after them).
          thread.ref();
          thread.postMessage({ id, request });
        }),
    };
  });
}
