/** The error every config problem is reported with. */

/** A config problem: `field` is a path like `sessions[2].forwards[0].bindPort`. */
export class ConfigError extends Error {
  constructor(readonly field: string, readonly problem: string, readonly fix: string) {
    super(`${field}: ${problem}. ${fix}`);
    this.name = 'ConfigError';
  }
}
