/**
 * How the deep lane splits a long PDF: page ranges read in parallel by separate activities, each
 * recorded when done, so a crash costs only the sections that were in flight.
 *
 * Size: at least `pagesPerSection` pages each, and never more than `maxSections` sections (a longer
 * document gets longer sections). Each section is one activity, a few events in the workflow's
 * history: 1,000 sections stay far below Temporal's history limits (50,000 events), so the run needs
 * neither child workflows nor continue-as-new.
 */
export const sectionLimits = {
  pagesPerSection: 20,
  maxSections: 1_000,
  /** Sections a run keeps scheduled at once; the lane's workers decide how many run at once. */
  inFlight: 8,
} as const;

export interface Section {
  index: number;
  firstPage: number;
  lastPage: number;
}

export function planSections(pageCount: number, limits = sectionLimits): Section[] {
  if (!Number.isInteger(pageCount) || pageCount < 1) return [];
  const size = Math.max(limits.pagesPerSection, Math.ceil(pageCount / limits.maxSections));
  const sections: Section[] = [];
  for (let first = 1; first <= pageCount; first += size) {
    sections.push({
      index: sections.length,
      firstPage: first,
      lastPage: Math.min(pageCount, first + size - 1),
    });
  }
  return sections;
}
