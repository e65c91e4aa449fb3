import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChild, runNodeScript, stderrTailCharacters } from '../../adapters/child-process';

// The watched runner under the parser sandbox and OCR, on real child processes.

/** A `node -e` run of `source`. */
const node = (source: string) => ({ command: process.execPath, args: ['-e', source] });

it('returns stdout, stderr and the exit code, with stdin fed and closed', async () => {
  const outcome = await runChild({
    ...node(
      "let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => {" +
        " process.stdout.write(s.toUpperCase()); process.stderr.write('note'); process.exitCode = 3; });",
    ),
    input: Buffer.from('harbour'),
  });
  expect(outcome).toEqual({
    stdout: Buffer.from('HARBOUR'),
    stderr: 'note',
    code: 3,
    exitSignal: null,
    stopped: null,
  });
});

it('gives no stdin without input, so a program reading it sees its end at once', async () => {
  const outcome = await runChild(
    node("process.stdin.on('data', () => {}).on('end', () => console.log('end'));"),
  );
  expect(outcome.stdout.toString()).toBe('end\n');
});

it('keeps only the tail of a long stderr', async () => {
  const outcome = await runChild(node("process.stderr.write('x'.repeat(10000) + 'last words');"));
  expect(outcome.stderr).toHaveLength(stderrTailCharacters);
  expect(outcome.stderr.endsWith('last words')).toBe(true);
});

it('stops a child whose resident memory passes the limit, outside any heap', async () => {
  // Buffers live outside the V8 heap, as a decoded image or PDF stream does.
  const outcome = await runChild({
    ...node('const kept = []; setInterval(() => kept.push(Buffer.alloc(16 * 1024 * 1024, 1)), 10);'),
    memoryLimitMb: 100,
  });
  expect(outcome.stopped).toBe('memory');
  expect(outcome.exitSignal).toBe('SIGKILL');
});

it('stops a child at the time limit', async () => {
  const started = Date.now();
  const outcome = await runChild({ ...node('setTimeout(() => {}, 60_000);'), timeoutMs: 200 });
  expect(outcome.stopped).toBe('timeout');
  expect(Date.now() - started).toBeLessThan(5_000);
});

it('stops a child whose output passes the bound, keeping what fitted', async () => {
  const outcome = await runChild({
    ...node("const line = 'y'.repeat(1000) + '\\n'; setInterval(() => process.stdout.write(line), 1);"),
    maxOutputBytes: 10_000,
  });
  expect(outcome.stopped).toBe('output');
  expect(outcome.stdout.length).toBeLessThanOrEqual(10_000);
});

it('stops a child when the signal aborts, and starts none when it already has', async () => {
  const controller = new AbortController();
  const work = runChild({ ...node('setTimeout(() => {}, 60_000);'), signal: controller.signal });
  setTimeout(() => controller.abort(), 100);
  expect((await work).stopped).toBe('aborted');

  const marker = join(tmpdir(), `missionflow-never-${process.pid}`);
  const outcome = await runChild({
    ...node(`require('fs').writeFileSync(${JSON.stringify(marker)}, '')`),
    signal: AbortSignal.abort(),
  });
  expect(outcome).toMatchObject({ stopped: 'aborted', code: null });
  expect(existsSync(marker)).toBe(false);
});

it('rejects with the spawn error when the program cannot start', async () => {
  await expect(runChild({ command: '/nonexistent/bin/program', args: [] })).rejects.toMatchObject({
    code: 'ENOENT',
  });
});

it('runs a script on this Node, with its heap capped', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'missionflow-child-test-'));
  try {
    const script = join(folder, 'script.js');
    await writeFile(
      script,
      'if (process.argv[2] === "fill") { const kept = []; for (;;) kept.push({ a: [1, 2, 3] }); }\n' +
        'process.stdout.write(process.version + " " + process.argv.slice(2).join(","));\n',
    );
    const plain = await runNodeScript(script, ['a', 'b'], {});
    expect(plain.stdout.toString()).toBe(`${process.version} a,b`);

    const filled = await runNodeScript(script, ['fill'], { heapLimitMb: 32 });
    expect(filled.code).not.toBe(0);
    expect(filled.stderr).toMatch(/heap out of memory|Allocation failed/i);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
