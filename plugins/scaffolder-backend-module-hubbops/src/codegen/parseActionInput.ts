import { InputError } from '@backstage/errors';
import { z as zod } from 'zod/v3';
import { ServiceTypeInputSchema } from './ServiceTypeHandler';

/**
 * Parses an action's input, turning validation issues into one InputError
 * that names each input and says what it must be.
 */
export function parseActionInput<T>(
  schema: zod.ZodType<T, any, any> | ServiceTypeInputSchema<T>,
  input: unknown,
  what: string,
): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data as T;
  const problems = result.error.issues.map(issue => {
    const at = issue.path.map(String).join('.');
    // Custom messages already name the input.
    return at && !issue.message.startsWith(at.split('.')[0])
      ? `${at}: ${issue.message}`
      : issue.message;
  });
  throw new InputError(`invalid ${what}: ${problems.join('; ')}`);
}
