/**
 * Retrieval quality on a real corpus: the PostgreSQL 15 manual (Debian's postgresql-doc-15) is
 * ingested through the HTTP API of an in-process platform, then two question sets (one in the
 * manual's words, one in a user's) are asked through the search API, once per search configuration.
 * Prints hit@1, hit@5 and MRR@10 at page level for each configuration and for a BM25 reference
 * computed here over whole pages, plus ingest throughput and search latency.
 *
 * `npm run bench:retrieval`. Environment: BENCH_PAGES (ingest fewer pages, always keeping every page
 * a question names), BENCH_CONCURRENCY (uploads in flight, 8), BENCH_REPORT (write a JSON report
 * there), BENCH_STALL_SECONDS (give up waiting when no document settles for so long, 300); every
 * other variable (EMBEDDER, EMBEDDINGS_URL, LANE_CONCURRENCY...) reaches the platform's config.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { wholeNumberFromEnv } from './env';
import { Bm25Index } from './retrieval/bm25';
import { acquireCorpus, type Corpus } from './retrieval/corpus';
import { evaluateApiConfiguration, evaluateBm25 } from './retrieval/evaluation';
import { ingestThroughApi } from './retrieval/ingest-client';
import { pageText, type PageText } from './retrieval/page-text';
import { loadQuestionSets, referencedPages, selectPages, type QuestionSet } from './retrieval/questions';
import {
  formatIngest,
  formatTable,
  mergeOutcomes,
  writeReport,
  type RetrievalReport,
} from './retrieval/report';
import { rerankedConfiguration, SearchClient, searchConfigurations } from './retrieval/search-client';
import { withScratchPlatform } from './scratch-platform';

const repoRoot = join(__dirname, '..', '..');
const say = (message: string) => process.stdout.write(`${message}\n`);

const pageLimit = wholeNumberFromEnv('BENCH_PAGES', undefined);
const concurrency = wholeNumberFromEnv('BENCH_CONCURRENCY', 8) as number;
const stallSeconds = wholeNumberFromEnv('BENCH_STALL_SECONDS', 300) as number;
const reportPath = process.env.BENCH_REPORT?.trim() || null;

async function readPages(corpus: Corpus, pages: readonly string[]): Promise<Map<string, PageText>> {
  const texts = new Map<string, PageText>();
  for (const page of pages) texts.set(page, pageText(await readFile(join(corpus.dir, page), 'utf8')));
  return texts;
}

async function ingest(apiBase: string, corpus: Corpus, pages: string[], texts: Map<string, PageText>) {
  say(`ingest: ${pages.length} pages, ${concurrency} uploads in flight`);
  const { indexedPages, pageOf, ...ingested } = await ingestThroughApi(apiBase, corpus.dir, pages, {
    concurrency,
    stallSeconds,
    say,
  });
  const tinyPages = indexedPages
    .filter(({ page, state }) => (state.chunkCount ?? 0) <= 1 && (texts.get(page)?.text ?? '').length < 600)
    .map(({ page }) => page);
  const figures: RetrievalReport['ingest'] = { ...ingested, tinyPages: tinyPages.sort() };
  return { figures, pageOf };
}

async function search(
  apiBase: string,
  sets: QuestionSet[],
  pageOf: (id: string) => string,
  texts: Map<string, PageText>,
) {
  const groupByDocument = await SearchClient.probeGroupBy(apiBase);
  say(
    `search: groupBy "document" ${groupByDocument ? 'supported' : 'not supported; chunk results deduplicated'}`,
  );
  const client = new SearchClient(apiBase, groupByDocument);
  const evaluated = [];
  const configurations =
    process.env.RERANKER === 'local'
      ? [...searchConfigurations, rerankedConfiguration]
      : searchConfigurations;
  for (const configuration of configurations) {
    say(`search: ${configuration.name}`);
    evaluated.push(await evaluateApiConfiguration(client, configuration, sets, pageOf));
  }
  const index = new Bm25Index([...texts].map(([page, { title, text }]) => ({ id: page, title, text })));
  evaluated.push(await evaluateBm25(index, sets));
  return {
    groupByDocument,
    configurations: evaluated.map((entry) => entry.result),
    questions: mergeOutcomes(
      evaluated.map((entry) => ({ name: entry.result.name, outcomes: entry.outcomes })),
    ),
  };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const corpus = await acquireCorpus(process.env, say);
  const sets = await loadQuestionSets(join(repoRoot, 'bench', 'retrieval'), corpus.pages);
  const pages = selectPages(corpus.pages, referencedPages(sets), pageLimit);
  const texts = await readPages(corpus, pages);
  say(
    `corpus: ${corpus.pages.length} pages of postgresql-doc-15 ${corpus.version}; ingesting ${pages.length}`,
  );

  // Every question is asked once per configuration: a cached answer would only hide latency.
  await withScratchPlatform(
    'retrieval',
    { SEARCH_CACHE_TTL_SECONDS: '0' },
    say,
    async (apiBase, _, config) => {
      const { figures, pageOf } = await ingest(apiBase, corpus, pages, texts);
      say(formatIngest(figures));
      const searched = await search(apiBase, sets, pageOf, texts);
      const report: RetrievalReport = {
        startedAt: startedAt.toISOString(),
        durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
        corpus: {
          package: 'postgresql-doc-15',
          version: corpus.version,
          sha256: corpus.sha256,
          pagesInCorpus: corpus.pages.length,
          pagesIngested: pages.length,
        },
        api: {
          groupByDocument: searched.groupByDocument,
          embedder: process.env.EMBEDDER ?? config.EMBEDDINGS_MODEL ?? 'default',
        },
        ingest: figures,
        configurations: searched.configurations,
        questions: searched.questions,
      };
      say(formatTable(report, sets));
      say(`\nrun took ${report.durationSeconds.toFixed(0)} s`);
      if (reportPath) {
        await writeReport(reportPath, report);
        say(`report written to ${reportPath}`);
      }
      if (process.env.BENCH_KEEP_RUNNING) {
        // For exploring the indexed corpus by hand (other queries, explain) without ingesting again.
        say(`platform kept running: ${apiBase} (documents titled by page file name); Ctrl-C stops it`);
        await new Promise((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
      }
    },
  );
}

void main().catch((error: unknown) => {
  // fetch's own message ("fetch failed") hides why: the cause says (refused, reset, timed out).
  const cause = error instanceof Error && error.cause ? `\ncaused by: ${String(error.cause)}` : '';
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}${cause}\n`);
  process.exit(1);
});
