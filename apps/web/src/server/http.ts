import { gunzipSync } from "node:zlib";
import { DomainError, tooLarge } from "@vigil/api";
import { log } from "./log";

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/** A DomainError as its status and `{error}`; SQLite busy or full as 503; anything else a logged 500. */
export function errorResponse(error: unknown): Response {
  if (error instanceof DomainError) {
    const retry = error.status === 503 ? { "retry-after": "2" } : undefined;
    return json(
      error.status,
      { error: error.message, ...(error.details ? { details: error.details } : {}) },
      retry,
    );
  }
  const code = (error as { code?: string }).code;
  if (code === "SQLITE_FULL" || code === "SQLITE_BUSY" || code === "SQLITE_IOERR") {
    return json(
      503,
      { error: `the server cannot store now (${code}): keep the data and retry later` },
      { "retry-after": "5" },
    );
  }
  log.error({ err: error }, "internal error");
  return json(500, { error: "internal error (logged on the server)" });
}

/** The request body as JSON, refused past `maxBytes` (before and after gunzip, for Content-Encoding: gzip). */
export async function readJson(request: Request, maxBytes: number): Promise<unknown> {
  return parseBody(await readBody(request, maxBytes), request.headers.get("content-encoding"), maxBytes);
}

/** The raw request body, refused past `maxBytes`. */
export async function readBody(request: Request, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > maxBytes)
    throw tooLarge(`body of ${declared} bytes exceeds the limit of ${maxBytes}: send smaller batches`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    size += next.value.byteLength;
    if (size > maxBytes) {
      await reader?.cancel();
      throw tooLarge(`body exceeds the limit of ${maxBytes} bytes: send smaller batches`);
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks);
}

/** A body read by readBody as JSON, gunzipped first for Content-Encoding: gzip (at most 8 x `maxBytes`). */
export function parseBody(raw: Buffer, encoding: string | null, maxBytes: number): unknown {
  return parseJson(bodyBytes(raw, encoding, maxBytes));
}

/** A body read by readBody, gunzipped for Content-Encoding: gzip (at most 8 x `maxBytes`). */
export function bodyBytes(raw: Buffer, encoding: string | null, maxBytes: number): Buffer {
  let body = raw;
  if (encoding === "gzip") {
    try {
      body = gunzipSync(raw, { maxOutputLength: maxBytes * 8 });
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
        throw tooLarge(`decompressed body exceeds ${maxBytes * 8} bytes`);
      throw new DomainError(400, "the body is not valid gzip");
    }
  } else if (encoding && encoding !== "identity") {
    throw new DomainError(415, `unsupported Content-Encoding ${encoding}: use gzip or none`);
  }
  return body;
}

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new DomainError(400, `the body is not JSON: ${(error as Error).message}`);
  }
}
