import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger } from "pino";

/** Field names that hold secrets, at the top of a log line's fields or one or two levels down. */
const secretFields = ["authorization", "cookie", "password", "token", "enrollToken", "credential", "secret"];
export const redactedPaths = secretFields.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);

/**
 * A JSON logger: one object per line with level (its name), time (ISO 8601), name, msg and the fields given.
 * Writes synchronously to stderr by default, so the last lines before a crash are not lost in a buffer.
 */
export function createLogger(name: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactedPaths, censor: "[redacted]" },
    },
    destination ?? pino.destination({ dest: 2, sync: true }),
  );
}
