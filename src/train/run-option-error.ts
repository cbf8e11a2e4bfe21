// RunOptionError: a bad value of one run option, carrying the option's name so each front end (the CLI's flags,
// the library's fields) can name it its own way. Its own module so run.ts and run-multiscale.ts can both throw it.

/** An error in one option of a run; `option` is the RunOptions field, so a CLI can name its own flag. */
export class RunOptionError extends Error {
  /** the message without the option name */
  readonly detail: string;

  constructor(readonly option: string, message: string) {
    super(`${option}: ${message}`);
    this.name = 'RunOptionError';
    this.detail = message;
  }
}
