import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { Agent, fetch, type Response } from "undici";

const gzipAsync = promisify(gzip);

/** An answer the shipper acts on: the HTTP status, the parsed JSON body, and the server's Retry-After (s). */
export type ServerAnswer = { status: number; body: Record<string, unknown>; retryAfterS: number | null };

/** A failed request as one line: fetch says only "fetch failed", its cause says why (refused, a bad certificate). */
export function networkError(error: unknown): string {
  const { message, cause } = error as Error & { cause?: { message?: string; code?: string } };
  const why = cause?.message ?? cause?.code;
  return why ? `${message}: ${why}` : message;
}

/** Answers of a proxy whose server behind it is gone: another server of the cluster may answer. */
const GATEWAY_FAILED = new Set([502, 504]);

/**
 * Talks to the Vigil server's agent API (`/api/agent/v1/...`). Network failures throw; HTTP errors return. With
 * several servers (of one cluster), it uses one until it cannot be reached, then the next: a request is tried on
 * each server at most once before it fails.
 */
export class ServerClient {
  private readonly connections: Agent;
  private readonly baseUrls: string[];
  /** The server in use: its index in baseUrls. */
  private current = 0;

  constructor(
    baseUrls: string | string[],
    private credential: string | null = null,
    /** PEM certificates of the authorities that sign the server's certificate, instead of the system's */
    ca?: string,
  ) {
    this.baseUrls = typeof baseUrls === "string" ? [baseUrls] : baseUrls;
    this.connections = new Agent({ connect: ca ? { ca } : {} });
  }

  /** The server requests go to now. */
  get server(): string {
    return this.baseUrls[this.current] as string;
  }

  /** `request` on the server in use, then, while it cannot be reached, on each other one in turn. */
  private async failingOver(request: (baseUrl: string) => Promise<ServerAnswer>): Promise<ServerAnswer> {
    for (let tried = 1; ; tried++) {
      try {
        const answer = await request(this.server);
        if (!GATEWAY_FAILED.has(answer.status) || tried >= this.baseUrls.length) return answer;
      } catch (error) {
        if (tried >= this.baseUrls.length) throw error;
      }
      this.current = (this.current + 1) % this.baseUrls.length;
    }
  }

  setCredential(credential: string): void {
    this.credential = credential;
  }

  /**
   * POSTs `json`. `idempotent` requests are sent once more at once when the server closed a kept-alive connection
   * just as it was reused (a race of every HTTP client with idle timeouts, not an outage).
   */
  async post(
    path: string,
    json: string,
    { compress = false, timeoutMs = 30_000, idempotent = false } = {},
  ): Promise<ServerAnswer> {
    return this.failingOver(async (baseUrl) => {
      try {
        return await this.send(baseUrl, path, json, compress, timeoutMs);
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (!idempotent || (code !== "UND_ERR_SOCKET" && code !== "ECONNRESET")) throw error;
        return this.send(baseUrl, path, json, compress, timeoutMs);
      }
    });
  }

  /** GETs `path` (a 304 has an empty body). */
  async get(path: string, { timeoutMs = 30_000 } = {}): Promise<ServerAnswer> {
    const headers: Record<string, string> = {};
    if (this.credential) headers.authorization = `Bearer ${this.credential}`;
    return this.failingOver(async (baseUrl) => {
      const response = await fetch(new URL(path, baseUrl), {
        headers,
        dispatcher: this.connections,
        signal: AbortSignal.timeout(timeoutMs),
      });
      return this.answer(response);
    });
  }

  private async send(
    baseUrl: string,
    path: string,
    json: string,
    compress: boolean,
    timeoutMs: number,
  ): Promise<ServerAnswer> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.credential) headers.authorization = `Bearer ${this.credential}`;
    let body: string | Buffer = json;
    if (compress) {
      body = await gzipAsync(json, { level: 1 }); // cheap: the agent's CPU matters more than the bytes
      headers["content-encoding"] = "gzip";
    }
    const response = await fetch(new URL(path, baseUrl), {
      method: "POST",
      headers,
      body,
      dispatcher: this.connections,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return this.answer(response);
  }

  private async answer(response: Response): Promise<ServerAnswer> {
    const text = await response.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = { error: text.slice(0, 500) };
    }
    const retryAfter = Number(response.headers.get("retry-after"));
    return {
      status: response.status,
      body: parsed,
      retryAfterS: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    };
  }
}
