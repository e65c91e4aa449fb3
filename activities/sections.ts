import type { IngestInput } from '../domain/documents';
import type { ParsedDocument } from '../domain/parsed';
import type { Section } from '../domain/sections';
import { parsePdfSection } from '../adapters/parsers';
import type { SectionText } from '../stores/relational/sections';
import type { IngestContext, ParseResult } from './ingest-context';
import { cancellationSignal, heartbeatWhile } from './step-runner';

/** A section of a long PDF, read by the deep lane. */
export interface SectionResult {
  index: number;
  blocks: number;
  characters: number;
}

/** Steps `sections` and `join`: a long PDF read in sections of pages, in parallel, then joined. */
export function createSectionActivities(context: IngestContext) {
  const { deps, runStep, loadRun, loadDocument, storeParsed } = context;
  const { sections } = deps;

  return {
    /**
     * One section, read in the sandbox and recorded with its text in the section store (each
     * section is its own record, so the step log does not hold them). A section recorded as done is
     * never read again, so a run resumed after a crash reads only the unfinished ones.
     */
    async parseSection(input: IngestInput, section: Section): Promise<SectionResult> {
      const summary = (text: SectionText) => ({
        index: section.index,
        blocks: text.blocks.length,
        characters: text.blocks.reduce((sum, block) => sum + block.text.length, 0),
      });
      const { document, cartridge } = await loadRun(input);
      const { contentVersion } = document;
      const done = await sections.result(input.missionId, input.documentId, contentVersion, section.index);
      if (done) return summary(done);
      await sections.begin(input.missionId, input.documentId, contentVersion, section);
      const text = await heartbeatWhile(async () => {
        const parsed = await parsePdfSection(
          await deps.blobs.get(document.blobKey),
          { first: section.firstPage, last: section.lastPage },
          cartridge.limits,
          { memoryLimitMb: deps.parserMemoryMb, signal: cancellationSignal() },
        );
        return { title: parsed.title, blocks: parsed.blocks };
      });
      await sections.complete(input.missionId, input.documentId, contentVersion, section.index, text);
      return summary(text);
    },

    /**
     * The sections' text joined in page order: the parsed text of a long PDF. No text in any
     * section means a scan, for the OCR lane.
     */
    async joinSections(input: IngestInput, sectionCount: number): Promise<ParseResult> {
      return runStep(input, 'join', async () => {
        const document = await loadDocument(input);
        const texts = await sections.texts(input.missionId, input.documentId, document.contentVersion);
        if (texts.length !== sectionCount) {
          throw new Error(
            `${texts.length} of ${sectionCount} sections are done; all are needed to join them`,
          );
        }
        const blocks = texts.flatMap((text) => text.blocks);
        if (blocks.length === 0)
          return { parsedKey: '', blocks: 0, characters: 0, encoding: null, needsOcr: true };
        const parsed: ParsedDocument = { title: texts[0]?.title ?? document.title, blocks };
        return storeParsed(input, parsed, { pages: document.pageCount ?? undefined });
      });
    },
  };
}
