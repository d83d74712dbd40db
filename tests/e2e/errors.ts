/** Errors of the end-to-end harness; messages read `failed to <verb> <object>: <detail>`. */

export class E2eError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A child process did not start, did not become ready, or exited badly. */
export class ProcessError extends E2eError {}

/** A fixture peer printed something other than its success line. */
export class FixtureError extends E2eError {}

/** The monitor output did not match the golden file. */
export class GoldenMismatchError extends E2eError {}

/** Several cleanup steps failed; all causes are kept. */
export class CleanupError extends E2eError {
  constructor(readonly failures: unknown[]) {
    super(`failed to clean up: ${failures.map((f) => (f instanceof Error ? f.message : String(f))).join('; ')}`, {
      cause: failures[0],
    });
  }
}
