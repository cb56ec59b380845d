/**
 * The CLI's usage error (own module, so that the argument parser and the output writer can both
 * raise it without importing each other).
 * @module
 */

/** A bad command line: the CLI prints the message and exits with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
