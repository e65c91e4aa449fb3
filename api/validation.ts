import { z, type ZodType } from 'zod';
import { documentIdPattern, missionIdPattern } from '../domain/documents';
import { MissionflowError } from '../domain/errors';

/** Parses a request part with a schema; failures become 400 invalid_request with field errors. */
export function validate<T>(schema: ZodType<T>, value: unknown, what = 'request'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  throw new MissionflowError(
    'invalid_request',
    `the ${what} is not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    errors,
  );
}

/**
 * A string matching `pattern`. The pattern is also stated as the schema's `pattern`, from the
 * regex's source: the OpenAPI generator would otherwise write the regex's flags (`/u`) into it.
 */
export function matching(pattern: RegExp, message?: string) {
  return z.string().regex(pattern, message).meta({ pattern: pattern.source });
}

export const missionIdSchema = matching(missionIdPattern).meta({
  description: 'A mission id: lower-case letters, digits, - and _, 1 to 48 characters',
});

export const documentIdSchema = matching(documentIdPattern).meta({ description: 'A document id' });

/** The path parameters of every route under a mission. */
export const missionPath = z.object({ mission: missionIdSchema });
export const documentPath = missionPath.extend({ document: documentIdSchema });

/** A mission id that cannot exist is reported like one that does not. */
export function missionParam(value: string | string[] | undefined): string {
  const parsed = missionIdSchema.safeParse(value);
  if (!parsed.success) {
    throw new MissionflowError('mission_not_found', `mission '${String(value)}' does not exist`);
  }
  return parsed.data;
}

export function documentParam(value: string | string[] | undefined): string {
  const parsed = documentIdSchema.safeParse(value);
  if (!parsed.success) {
    throw new MissionflowError('document_not_found', `document '${String(value)}' does not exist`);
  }
  return parsed.data;
}
