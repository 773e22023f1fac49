import type { NextFunction, Request, Response } from 'express';
import { ERRORS } from '@pictor/core';

/**
 * Mounted after a path's handlers: any other method is `405 METHOD_NOT_ALLOWED` with an `Allow`
 * header, not a 404 that says the path does not exist. HEAD goes with GET.
 */
export function allowOnly(...methods: string[]) {
  const allowed = methods.includes('GET') && !methods.includes('HEAD') ? [...methods, 'HEAD'] : methods;
  return (_req: Request, _res: Response, next: NextFunction) => {
    next(ERRORS.methodNotAllowed(allowed));
  };
}
