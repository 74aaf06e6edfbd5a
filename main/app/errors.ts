/** Every failure of a request, as the contract's plain AppError: a stable code, the field, the fix. */
import type { AppError } from '../../common/contract.js';
import { ConfigError } from '../../common/config-schema.js';
import { KeyError } from '../core/keys/index.js';
import { BurrowError } from '../core/session/errors.js';
import { CommandLineError } from '../core/config/importers/command-line.js';
import { SessionChangedError } from '../core/config/versions.js';

/** A failure the app raises itself, already in the contract's words. */
export class AppFailure extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
    this.name = 'AppFailure';
  }
}

export function fail(code: AppError['code'], message: string, hint?: string, field?: string): never {
  throw new AppFailure({ code, message, ...(hint ? { hint } : {}), ...(field ? { field } : {}) });
}

/**
 * Maps anything a handler threw to an AppError. Errors of the layers below are already written for
 * people (and carry no secrets); anything else is a bug, reported without its text (which nobody
 * checked for secrets) and logged by the caller.
 */
export function toAppError(err: unknown): { error: AppError; unexpected: boolean } {
  if (err instanceof AppFailure) return { error: err.error, unexpected: false };
  if (err instanceof ConfigError) {
    return {
      error: {
        code: 'INVALID_INPUT',
        message: `${err.field} ${err.problem}`,
        hint: err.fix,
        field: err.field,
        problem: err.problem,
        ...(err.problems.length > 1 ? { problems: err.problems } : {}),
      },
      unexpected: false,
    };
  }
  if (err instanceof CommandLineError) {
    return {
      error: { code: 'INVALID_INPUT', message: err.message, hint: err.fix, field: err.option, problem: err.problem, cause: 'COMMAND_LINE' },
      unexpected: false,
    };
  }
  if (err instanceof KeyError) {
    return { error: { code: 'KEY_ERROR', message: err.message, hint: err.hint, cause: err.code }, unexpected: false };
  }
  if (err instanceof SessionChangedError) {
    return {
      error: {
        code: 'CONFLICT',
        message: `${err.message}; your change was not saved`,
        hint: 'Reload it to see the settings as they are now, then make your change again.',
        field: 'version',
      },
      unexpected: false,
    };
  }
  if (err instanceof BurrowError) {
    const { code, message, hint, cause } = err.info;
    return { error: { code, message, ...(hint ? { hint } : {}), ...(cause ? { cause } : {}) }, unexpected: false };
  }
  return {
    error: {
      code: 'INTERNAL_ERROR',
      message: 'Burrow hit an internal error while doing that',
      hint: "Try again; if it keeps happening, report it with Burrow's log.",
    },
    unexpected: true,
  };
}
