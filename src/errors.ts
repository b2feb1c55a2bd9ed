// Errors a user can act on: they name the file and line (or the config key) and end the program with a non-zero code.

/** Bad input data. `where` is "file:line" or "archive.tar.gz › entry.csv:line". */
export class DataError extends Error {
  constructor(
    message: string,
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
    this.name = 'DataError';
  }
}

/** A bad configuration value; `path` is the dotted key path ("model.hidden"). */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(path ? `config key '${path}': ${message}` : message);
    this.name = 'ConfigError';
  }
}

/** Any error meant for the user (not a bug): printed without a stack trace. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserFacing(e: unknown): e is Error {
  return e instanceof DataError || e instanceof ConfigError || e instanceof UserError;
}
