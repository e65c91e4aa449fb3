import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** One question and the pages that answer it (any one of them counts as a hit). */
const questionSchema = z
  .object({
    question: z.string().trim().min(3),
    pages: z
      .array(z.string().regex(/^[a-z0-9-]+\.html$/, 'a page file name such as sql-rollback.html'))
      .min(1),
  })
  .strict();

export type Question = z.infer<typeof questionSchema>;

export interface QuestionSet {
  /** Short name used in the table and the report. */
  name: string;
  description: string;
  questions: Question[];
}

/** The two sets: the same kind of need, asked in the manual's vocabulary or in a user's. */
export const questionSetFiles = [
  { name: 'manual', file: 'questions-manual.json', description: "in the manual's own words" },
  { name: 'user', file: 'questions-user.json', description: "in a user's words" },
] as const;

/**
 * Reads and checks the question sets kept beside this module's source (the build does not copy
 * JSON, so they are read from the repository). A question naming a page the corpus does not have
 * stops the run: it could never be answered, and would silently lower every figure.
 */
export async function loadQuestionSets(
  sourceDir: string,
  corpusPages: readonly string[],
): Promise<QuestionSet[]> {
  const known = new Set(corpusPages);
  const sets: QuestionSet[] = [];
  for (const { name, file, description } of questionSetFiles) {
    const raw: unknown = JSON.parse(await readFile(join(sourceDir, file), 'utf8'));
    const questions = z.array(questionSchema).min(1).parse(raw);
    const unknown = questions.flatMap((q) =>
      q.pages.filter((page) => !known.has(page)).map((page) => `${page} (${q.question})`),
    );
    if (unknown.length > 0) throw new Error(`${file} names pages the corpus lacks: ${unknown.join('; ')}`);
    sets.push({ name, description, questions });
  }
  return sets;
}

/** Every page some question names: a reduced corpus (BENCH_PAGES) always keeps them. */
export function referencedPages(sets: readonly QuestionSet[]): Set<string> {
  return new Set(sets.flatMap((set) => set.questions.flatMap((question) => question.pages)));
}

/**
 * The pages to ingest: all of them, or `limit` of them: every referenced page, and the rest spread
 * evenly over the others in name order (so the distractors come from every part of the manual, and
 * two runs with the same limit ingest the same pages).
 */
export function selectPages(
  all: readonly string[],
  referenced: ReadonlySet<string>,
  limit?: number,
): string[] {
  if (limit === undefined || limit >= all.length) return [...all];
  const others = all.filter((page) => !referenced.has(page));
  const room = Math.max(0, limit - referenced.size);
  const spread = Array.from(
    { length: Math.min(room, others.length) },
    (_, i) => others[Math.floor((i * others.length) / room)],
  ).filter((page): page is string => page !== undefined);
  return [...all.filter((page) => referenced.has(page)), ...spread].sort();
}
