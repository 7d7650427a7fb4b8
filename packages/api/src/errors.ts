/** Errors a caller can act on; each maps to one HTTP status. Anything else is a 500 that is logged. */
export class DomainError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: unknown) => new DomainError(400, message, details);
export const unauthorized = (message: string) => new DomainError(401, message);
export const forbidden = (message: string) => new DomainError(403, message);
export const notFound = (message: string) => new DomainError(404, message);
export const conflict = (message: string) => new DomainError(409, message);
export const tooLarge = (message: string) => new DomainError(413, message);
/** Too many attempts: the caller waits `retryAfterS` seconds. */
export const tooManyRequests = (message: string, retryAfterS: number) =>
  new DomainError(429, message, { retryAfterS });
/** The server is busy or its disk is full: the caller keeps its data and retries later. */
export const retryLater = (message: string) => new DomainError(503, message);
