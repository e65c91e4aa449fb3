import { percentile } from '../retrieval/metrics';
import type { BaselineComparison, Samples } from './measure';

/** The targets for p95, in milliseconds. */
export const targets = { singleStrategy: 50, fusion: 150, cacheHit: 5 } as const;

export interface LatencyRow {
  name: string;
  samples: Samples;
  /** p95 must stay below this (ms); none for rows shown for context. */
  targetP95?: number;
}

export interface SizeFigures {
  chunks: number;
  seeding: { seconds: number; documents: number };
  rows: LatencyRow[];
  /** Approximate store calls against their exact baselines (HNSW, two-pass BM25). */
  baselines: BaselineComparison[];
  /** Row names whose p50 the ratios compare. */
  fusionRow: string;
  singleRows: string[];
  cacheRow: string;
}

const p50 = (samples: Samples) => percentile(samples, 50);
const p95 = (samples: Samples) => percentile(samples, 95);

function cell(text: string, width: number, alignRight = false): string {
  return alignRight ? text.padStart(width) : text.padEnd(width);
}

function formatMs(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

/** The rows as a Markdown table: calls, p50, p95 and the target with whether it is met. */
export function formatLatencyTable(rows: readonly LatencyRow[]): string[] {
  const nameWidth = Math.max(...rows.map((row) => row.name.length), 3);
  const lines = [
    `| ${cell('row', nameWidth)} | calls | p50 ms | p95 ms | p95 target  |`,
    `| ${'-'.repeat(nameWidth)} | ----: | -----: | -----: | ----------- |`,
  ];
  for (const row of rows) {
    const upper = p95(row.samples);
    const target =
      row.targetP95 === undefined ? '' : `< ${row.targetP95} ${upper < row.targetP95 ? 'met' : 'MISSED'}`;
    lines.push(
      `| ${cell(row.name, nameWidth)} | ${cell(String(row.samples.length), 5, true)} | ${cell(
        formatMs(p50(row.samples)),
        6,
        true,
      )} | ${cell(formatMs(upper), 6, true)} | ${cell(target, 11)} |`,
    );
  }
  return lines;
}

/** The ratios against baselines measured in the same run. */
export function formatRatios(figures: SizeFigures): string[] {
  const byName = new Map(figures.rows.map((row) => [row.name, row.samples]));
  const median = (name: string) => p50(byName.get(name) ?? []);
  const slowestSingle = figures.singleRows.reduce((slowest, name) =>
    median(name) > median(slowest) ? name : slowest,
  );
  return [
    ...figures.baselines.map(
      ({ names, approximate, exact, recallAt10 }) =>
        `${names.exact} p50 / ${names.approximate} p50: ${(p50(exact) / p50(approximate)).toFixed(1)}x ` +
        `(${formatMs(p50(exact))} / ${formatMs(p50(approximate))} ms over ${approximate.length} questions); ` +
        `recall@10 against the baseline: ${recallAt10.toFixed(3)}`,
    ),
    `fusion p50 / slowest single strategy (${slowestSingle}) p50: ${(
      median(figures.fusionRow) / median(slowestSingle)
    ).toFixed(2)}x`,
    `uncached fusion p50 / cache hit p50: ${(median(figures.fusionRow) / median(figures.cacheRow)).toFixed(0)}x`,
  ];
}

/** Whether every row with a target met it. */
export function targetsMet(figures: readonly SizeFigures[]): boolean {
  return figures.every((size) =>
    size.rows.every((row) => row.targetP95 === undefined || p95(row.samples) < row.targetP95),
  );
}
