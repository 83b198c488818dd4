import { InputError } from '@backstage/errors';
import { z } from 'zod';

/**
 * Checks a request's query, path or body against `schema`; an
 * `InputError` names every field that is wrong and why.
 */
export function parseRequestInput<T>(
  schema: z.ZodType<T>,
  value: unknown,
  what: string,
): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const problems = result.error.issues
      .map(issue =>
        issue.path.length > 0
          ? `${issue.path.join('.')}: ${issue.message}`
          : issue.message,
      )
      .join('; ');
    throw new InputError(`Invalid ${what}: ${problems}`);
  }
  return result.data;
}
