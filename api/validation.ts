import type { ZodType } from 'zod';
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

/** A mission id that cannot exist is reported like one that does not. */
export function missionParam(value: string | string[] | undefined): string {
  if (typeof value !== 'string' || !missionIdPattern.test(value)) {
    throw new MissionflowError('mission_not_found', `mission '${String(value)}' does not exist`);
  }
  return value;
}

export function documentParam(value: string | string[] | undefined): string {
  if (typeof value !== 'string' || !documentIdPattern.test(value)) {
    throw new MissionflowError('document_not_found', `document '${String(value)}' does not exist`);
  }
  return value;
}
