import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filler, makePdf } from '../support/fixtures';
import { request, search, uploadFile, waitForDocument, type DocumentView } from '../support/http';
import { testEnv } from '../support/env';
import {
  freshNamespace,
  servicesProfileEnv,
  spawnStack,
  testProfile,
  type SpawnedStack,
} from '../support/stack';
import { until } from '../support/wait';

/**
 * The deep lane on a long PDF: read in sections, in parallel, each recorded when done. The platform
 * process is killed while sections are being read; the restarted one finishes the document and
 * reads no finished section again.
 */

interface SectionView {
  index: number;
  firstPage: number;
  lastPage: number;
  status: string;
  executions: number;
  completions: number;
}
type DeepView = DocumentView & {
  pageCount: number | null;
  sections: { total: number; done: number; list: SectionView[] } | null;
};

let stack: SpawnedStack | null = null;
let dataDir: string;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mf-deep-'));
});
afterAll(async () => {
  await stack?.stop();
  for (const stop of stops) await stop();
  await rm(dataDir, { recursive: true, force: true });
});

it('a 300-page PDF is read in sections; a crash mid-way re-reads none that were done', async () => {
  const phrase = 'the keeper of the northern light counted four hundred gulls';
  const paragraphs = [...filler(11, 930_000), `On the last page, ${phrase}.`];
  const pdf = await makePdf('Survey of the lighthouses', paragraphs);

  const namespace = await freshNamespace();
  const env = {
    // On the services profile the platform runs each lane's worker as a process of its own.
    ...(testProfile === 'services' ? await servicesProfileEnv(namespace, (stop) => stops.push(stop)) : {}),
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: testEnv.temporalAddress,
    TEMPORAL_NAMESPACE: namespace,
    // One section at a time, so the crash lands while some are done and others are not.
    LANE_CONCURRENCY: 'deep=1',
  };
  stack = await spawnStack(env);
  const admitted = await uploadFile(stack.baseUrl, 'default', pdf, 'lighthouses.pdf');
  expect(admitted.status).toBe(202);
  const documentId = admitted.body.documentId as string;
  const detail = async () =>
    (
      await request<DeepView>(
        (stack as SpawnedStack).baseUrl,
        'GET',
        `/v1/missions/default/documents/${documentId}`,
      )
    ).body;

  let beforeCrash: DeepView | null = null;
  await until(
    async () => {
      const seen = await detail();
      if (seen.sections && seen.sections.done >= 3) beforeCrash = seen;
      return beforeCrash !== null;
    },
    120_000,
    'three sections done',
  );
  await stack.killHard();
  const crashed = beforeCrash as unknown as DeepView;
  expect(crashed.lane).toBe('deep');
  expect(crashed.pageCount).toBeGreaterThanOrEqual(300);
  const total = crashed.sections?.total ?? 0;
  expect(total).toBe(Math.ceil((crashed.pageCount ?? 0) / 20));
  const doneBeforeCrash = (crashed.sections?.list ?? [])
    .filter((s) => s.status === 'done')
    .map((s) => s.index);
  expect(doneBeforeCrash.length).toBeLessThan(total);

  stack = await spawnStack(env);
  const finished = (await waitForDocument(stack.baseUrl, 'default', documentId, 180_000)) as DeepView;
  expect(finished.status).toBe('indexed');
  const after = await detail();
  expect(after.sections?.done).toBe(total);
  const byIndex = new Map((after.sections?.list ?? []).map((section) => [section.index, section]));
  // Every section finished exactly once; those finished before the crash were not even started again.
  for (const section of byIndex.values()) expect(section.completions).toBe(1);
  for (const index of doneBeforeCrash) expect(byIndex.get(index)?.executions).toBe(1);
  // Consecutive page ranges, first to last page.
  const list = after.sections?.list ?? [];
  expect(list[0]?.firstPage).toBe(1);
  expect(list[list.length - 1]?.lastPage).toBe(after.pageCount);
  list.slice(1).forEach((section, i) => expect(section.firstPage).toBe((list[i]?.lastPage ?? 0) + 1));

  const found = await search(stack.baseUrl, 'default', 'keeper northern light four hundred gulls');
  expect(found.body.results[0]?.documentId).toBe(documentId);
});
