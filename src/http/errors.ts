/**
 * The small error family services throw; one handler (server/error-handler.ts)
 * maps each to its status and the envelope. Services never know about HTTP.
 */
export class AppError extends Error {
  readonly status: number = 500;
  /** Extra fields for the error body (e.g. the objects that block a delete). */
  readonly details?: Record<string, unknown>;
  constructor(message: string, details?: Record<string, unknown>) {
    super(message);
    this.details = details;
  }
}

/** 422: a parameter is invalid; `fields` maps each offending field to why. */
export class ValidationError extends AppError {
  override readonly status = 422;
  readonly fields: Readonly<Record<string, string>>;
  constructor(fields: Record<string, string>) {
    super(
      Object.entries(fields)
        .map(([f, why]) => `${f}: ${why}`)
        .join('; '),
    );
    this.fields = fields;
  }
}

export class BadRequest extends AppError {
  override readonly status = 400;
}
export class Unauthenticated extends AppError {
  override readonly status = 401;
}
export class Forbidden extends AppError {
  override readonly status = 403;
}
export class NotFound extends AppError {
  override readonly status = 404;
}
export class Conflict extends AppError {
  override readonly status = 409;
}
export class UnsupportedMediaType extends AppError {
  override readonly status = 415;
}
export class TooManyRequests extends AppError {
  override readonly status = 429;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
export class Unavailable extends AppError {
  override readonly status = 503;
}
