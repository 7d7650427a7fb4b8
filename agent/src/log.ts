import { createLogger } from "@vigil/observability";

export type LogFields = Record<string, unknown>;

/** What the agent's parts say as they work: JSON lines for `run` (a service), readable lines for `tail`. */
export type Log = {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
};

/** One JSON object per line on stderr: level, time, name, msg and the fields (secrets redacted). */
export function jsonLog(): Log {
  const logger = createLogger("vigil-agent");
  return {
    info: (msg, fields) => logger.info(fields ?? {}, msg),
    warn: (msg, fields) => logger.warn(fields ?? {}, msg),
    error: (msg, fields) => logger.error(fields ?? {}, msg),
  };
}

const line = (msg: string) => {
  process.stderr.write(`vigil-agent: ${msg}\n`);
};

/** `vigil-agent: ...` lines on stderr, for a person at a terminal. */
export const textLog: Log = { info: line, warn: line, error: line };
