import { createLogger } from "@vigil/observability";

/** The server's log: JSON lines on stderr (Next's own output stays on stdout). */
export const log = createLogger("vigil-server");
