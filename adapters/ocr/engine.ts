import { MissionflowError } from '../../domain/errors';
import { isExecutable, onPath } from '../executables';
import { OcrBudget, runTool } from './programs';

/**
 * Finding the OCR programs a worker can run, and checking them against what a piece of work needs,
 * so that a missing program fails the work with `ocr_unavailable` naming what to install.
 */

/** What this worker can run, found by {@link findOcrEngine}. */
export interface OcrEngine {
  /** Absolute path of the tesseract program. */
  tesseract: string;
  /** First line of `tesseract --version`, for logs. */
  version: string;
  /** Languages tesseract has data for (`tesseract --list-langs`), e.g. `eng`, `osd`. */
  languages: string[];
  /** poppler-utils programs, needed for PDFs only; null when not installed. */
  pdftoppm: string | null;
  pdfinfo: string | null;
}

export const installHint = 'apt-get install tesseract-ocr tesseract-ocr-eng poppler-utils';
const defaultLanguages = ['eng'];

/** Successful probes, keyed by where they looked: a worker probes once, not per document. */
const probed = new Map<string, OcrEngine>();

type Probe = { engine: OcrEngine } | { problem: string };

async function probeEngine(env: NodeJS.ProcessEnv): Promise<Probe> {
  const key = `${env.TESSERACT_PATH ?? ''}\u0000${env.PATH ?? ''}`;
  const cached = probed.get(key);
  if (cached) return { engine: cached };

  let tesseract: string | null;
  if (env.TESSERACT_PATH) {
    // An explicit setting that is wrong is reported, not quietly replaced by whatever is on PATH.
    tesseract = (await isExecutable(env.TESSERACT_PATH)) ? env.TESSERACT_PATH : null;
    if (!tesseract) {
      return {
        problem: `TESSERACT_PATH is ${env.TESSERACT_PATH}, which is not an executable file; fix it, or unset it and install tesseract (${installHint})`,
      };
    }
  } else {
    tesseract = await onPath('tesseract', env);
    if (!tesseract) return { problem: `tesseract is not installed on this worker (${installHint})` };
  }

  // Both questions together get 30 seconds: a tesseract that hangs here is as broken as a missing one.
  const budget = new OcrBudget(undefined, 30_000);
  let version: string;
  let languages: string[];
  try {
    const versionText = await runTool({ command: tesseract, args: ['--version'], env }, budget);
    version = versionText.toString('utf8').split('\n')[0]?.trim() ?? 'tesseract';
    // The first line is a heading ("List of available languages in ..."), then one name a line.
    const listing = await runTool({ command: tesseract, args: ['--list-langs'], env }, budget);
    languages = listing
      .toString('utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
  } catch (error) {
    return {
      problem: `tesseract at ${tesseract} does not run: ${(error as Error).message} (${installHint})`,
    };
  }
  if (!languages.includes('eng')) {
    return {
      problem: `tesseract at ${tesseract} has no English language data (it has: ${languages.join(', ') || 'none'}); apt-get install tesseract-ocr-eng`,
    };
  }
  const engine: OcrEngine = {
    tesseract,
    version,
    languages,
    pdftoppm: await onPath('pdftoppm', env),
    pdfinfo: await onPath('pdfinfo', env),
  };
  probed.set(key, engine);
  return { engine };
}

/**
 * The OCR programs this worker can run: tesseract from `TESSERACT_PATH`, else from PATH, with at
 * least English language data; poppler's programs from PATH (null when missing: images can still
 * be read). Null when tesseract is missing, broken or has no English data.
 */
export async function findOcrEngine(env: NodeJS.ProcessEnv = process.env): Promise<OcrEngine | null> {
  const probe = await probeEngine(env);
  return 'engine' in probe ? probe.engine : null;
}

/**
 * The engine, checked for what the work needs (languages; poppler for PDFs), or an
 * `ocr_unavailable` error that names what is missing and how to install it.
 */
export async function requireOcrEngine(
  needs: { languages?: string[]; pdf?: boolean; engine?: OcrEngine } = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<OcrEngine> {
  let found = needs.engine;
  if (!found) {
    const probe = await probeEngine(env);
    if ('problem' in probe) throw new MissionflowError('ocr_unavailable', probe.problem);
    found = probe.engine;
  }
  const engine = found;
  const languages = needs.languages ?? defaultLanguages;
  const missing = languages.filter((language) => !engine.languages.includes(language));
  if (missing.length > 0) {
    // Debian names language packages after the data file, in lower case with hyphens.
    const packages = missing.map((language) => `tesseract-ocr-${language.toLowerCase().replace(/_/g, '-')}`);
    throw new MissionflowError(
      'ocr_unavailable',
      `tesseract has no language data for ${missing.join(', ')} (it has: ${engine.languages.join(', ')}); apt-get install ${packages.join(' ')}`,
    );
  }
  if (needs.pdf) {
    const absent = (['pdftoppm', 'pdfinfo'] as const).filter((tool) => !engine[tool]);
    if (absent.length > 0) {
      throw new MissionflowError(
        'ocr_unavailable',
        `${absent.join(' and ')} from poppler-utils ${absent.length > 1 ? 'are' : 'is'} not installed on this worker, so PDF pages cannot be rasterised for OCR (apt-get install poppler-utils)`,
      );
    }
  }
  return engine;
}

/** Language names go into tesseract's arguments, so only the characters data files use pass. */
export function checkedLanguages(languages: string[] | undefined): string[] {
  const list = languages && languages.length > 0 ? languages : defaultLanguages;
  for (const language of list) {
    if (!/^[A-Za-z0-9_]+(\/[A-Za-z0-9_]+)?$/.test(language)) {
      throw new MissionflowError(
        'invalid_request',
        `not a tesseract language name: ${JSON.stringify(language)}`,
      );
    }
  }
  return list;
}
