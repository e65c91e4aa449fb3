import { writeFile } from 'node:fs/promises';
import type { ConfigurationResult, QuestionOutcome } from './evaluation';
import type { QuestionSet } from './questions';

/** What a run measured, as printed and as written to BENCH_REPORT for comparing runs. */
export interface RetrievalReport {
  startedAt: string;
  durationSeconds: number;
  corpus: { package: string; version: string; sha256: string; pagesInCorpus: number; pagesIngested: number };
  api: { groupByDocument: boolean; embedder: string };
  ingest: {
    submitted: number;
    indexed: number;
    notIndexed: Array<{ page: string; status: string; error: unknown }>;
    refused: Array<{ page: string; status: number; detail: string }>;
    duplicates: string[];
    chunks: number;
    seconds: number;
    documentsPerSecond: number;
    chunksPerSecond: number;
    /** Indexed pages that gave a single chunk of little text (navigation pages, tiny sections). */
    tinyPages: string[];
  };
  configurations: ConfigurationResult[];
  questions: Array<
    Omit<QuestionOutcome, 'rank' | 'top'> & {
      ranks: Record<string, number | null>;
      top: Record<string, string[]>;
    }
  >;
}

/** Per-question outcomes of every configuration, merged into one entry per question. */
export function mergeOutcomes(
  byConfiguration: ReadonlyArray<{ name: string; outcomes: readonly QuestionOutcome[] }>,
): RetrievalReport['questions'] {
  const merged = new Map<string, RetrievalReport['questions'][number]>();
  for (const { name, outcomes } of byConfiguration) {
    for (const outcome of outcomes) {
      const key = `${outcome.set}\u0000${outcome.question}`;
      const entry = merged.get(key) ?? {
        set: outcome.set,
        question: outcome.question,
        pages: outcome.pages,
        ranks: {},
        top: {},
      };
      entry.ranks[name] = outcome.rank;
      entry.top[name] = outcome.top;
      merged.set(key, entry);
    }
  }
  return [...merged.values()];
}

const columns = ['configuration', 'hit@1', 'hit@5', 'MRR@10', 'p50 ms', 'p95 ms', 'cached', 'errors'];
const widths = [18, 7, 7, 8, 9, 9, 7, 7];

function row(cells: string[]): string {
  return cells
    .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
    .join(' ');
}

/** The results table: one block per question set, one row per configuration. */
export function formatTable(report: RetrievalReport, sets: readonly QuestionSet[]): string {
  const lines: string[] = [];
  for (const set of sets) {
    lines.push('', `question set "${set.name}" (${set.questions.length} questions, ${set.description})`);
    lines.push(row(columns));
    for (const configuration of report.configurations) {
      const figures = configuration.sets[set.name];
      if (configuration.notSupported !== null || !figures) {
        lines.push(`${configuration.name.padEnd(widths[0] ?? 0)} not supported by this API`);
        continue;
      }
      lines.push(
        row([
          configuration.name,
          figures.hitAt1.toFixed(3),
          figures.hitAt5.toFixed(3),
          figures.mrrAt10.toFixed(3),
          figures.latencyP50Ms.toFixed(1),
          figures.latencyP95Ms.toFixed(1),
          String(figures.cached),
          String(figures.errors),
        ]),
      );
    }
  }
  return lines.join('\n');
}

export function formatIngest(ingest: RetrievalReport['ingest']): string {
  const lines = [
    `ingest: ${ingest.indexed}/${ingest.submitted} pages indexed in ${ingest.seconds.toFixed(1)} s: ` +
      `${ingest.documentsPerSecond.toFixed(2)} documents/s, ${ingest.chunks} chunks, ` +
      `${ingest.chunksPerSecond.toFixed(1)} chunks/s`,
  ];
  for (const refused of ingest.refused)
    lines.push(`  refused ${refused.page}: ${refused.status} ${refused.detail}`);
  for (const failed of ingest.notIndexed) {
    lines.push(`  not indexed ${failed.page}: ${failed.status} ${JSON.stringify(failed.error ?? null)}`);
  }
  if (ingest.duplicates.length > 0)
    lines.push(`  same bytes as another page: ${ingest.duplicates.join(', ')}`);
  if (ingest.tinyPages.length > 0) {
    const shown = ingest.tinyPages.slice(0, 12).join(', ');
    const more = ingest.tinyPages.length > 12 ? ', ...' : '';
    lines.push(
      `  ${ingest.tinyPages.length} pages with little text (one chunk, under 600 characters): ${shown}${more}`,
    );
  }
  return lines.join('\n');
}

export async function writeReport(path: string, report: RetrievalReport): Promise<void> {
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
}
