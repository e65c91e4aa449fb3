/**
 * Splits a multi-part question into the questions it asks, by rule: "How do I create an index, and
 * how do I drop one?" asks two things, and each part is retrieved on its own so that neither drowns
 * the other. A part is cut where a sentence ends in a question mark or a semicolon, or where a
 * conjunction starts a new question ("..., and how ...", "... also what ..."). Fragments too short to
 * be a question stay with their neighbour; a question with one part comes back as it was.
 * (Measured on bench:retrieval: cutting a topic from its clause, "lock modes, and which of them
 * conflict", loses the page; so the conjunction rule asks for a question on both sides.)
 */

/** A question is searched as at most this many parts, whoever splits it. */
export const maxQuestionParts = 4;
const minWordsPerPart = 2;
const questionWords = 'how|what|where|when|why|which|who|whom|whose|can|could|does|do|is|are|should|will';
const conjunctionBeforeQuestion = new RegExp(
  `[,;]?\\s+(?:and|also|then|plus)\\s+(?=(?:${questionWords})\\b)`,
  'iu',
);

export function splitQuestion(question: string): string[] {
  const sentences = question
    .split(/(?<=[?;])\s+/u)
    .flatMap(splitAtConjunctions)
    .map((part) => part.trim().replace(/^[,;]\s*/u, ''))
    .filter((part) => part.length > 0);
  const parts: string[] = [];
  for (const sentence of sentences) {
    const previous = parts[parts.length - 1];
    if (
      previous !== undefined &&
      (wordCount(sentence) < minWordsPerPart || parts.length === maxQuestionParts)
    ) {
      parts[parts.length - 1] = `${previous} ${sentence}`;
    } else if (previous !== undefined && wordCount(previous) < minWordsPerPart) {
      parts[parts.length - 1] = `${previous} ${sentence}`;
    } else parts.push(sentence);
  }
  return parts.length > 1 ? parts : [question.trim()];
}

/**
 * "How do I create an index, and how do I drop one" asks twice; "table lock modes, and which of them
 * conflict" asks once about one thing (its second half means nothing alone). A sentence is cut at a
 * conjunction only when it starts with a question word itself, like the part after the conjunction.
 */
function splitAtConjunctions(sentence: string): string[] {
  const startsAsQuestion = new RegExp(`^\\s*(?:${questionWords})\\b`, 'iu');
  return startsAsQuestion.test(sentence) ? sentence.split(conjunctionBeforeQuestion) : [sentence];
}

function wordCount(text: string): number {
  return text.split(/\s+/u).filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
}
