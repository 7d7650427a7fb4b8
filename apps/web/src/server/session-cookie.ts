import type { SessionCookie } from "@vigil/api";

export const SESSION_COOKIE = "vigil_session";

/** The session cookie named in a Cookie header, if any. */
export function sessionCookieOf(header: string | null): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === SESSION_COOKIE) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

/** Writes Set-Cookie into `headers`: httpOnly, SameSite=Lax, Secure when the console is served over HTTPS. */
export function sessionCookieWriter(request: Request, headers: Headers): SessionCookie {
  const secure =
    new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto") === "https";
  const attributes = `Path=/; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
  return {
    set: (value, expiresMs) =>
      headers.append(
        "set-cookie",
        `${SESSION_COOKIE}=${encodeURIComponent(value)}; ${attributes}; Expires=${new Date(expiresMs).toUTCString()}`,
      ),
    clear: () => headers.append("set-cookie", `${SESSION_COOKIE}=; ${attributes}; Max-Age=0`),
  };
}
