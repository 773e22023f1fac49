import type { z } from 'zod';
import { ERRORS } from '@pictor/core';

/** Parses with a zod schema; failures become VALIDATION_FAILED listing every issue. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw ERRORS.validationFailed(issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '), {
    issues,
  });
}
