import { type NextRequest, NextResponse } from "next/server";

/**
 * A fresh nonce per request: only Next's own scripts (which it tags with the nonce it reads from the request's
 * policy) may run, so a string from a host that ever reached the page as markup could not execute.
 */
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const policy = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    // React sets style attributes; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", policy);
  return response;
}

export const config = {
  // Pages only: the APIs answer JSON, /metrics text, and static assets carry no markup of ours.
  matcher: [{ source: "/((?!api/|metrics$|_next/static|_next/image|favicon.ico).*)" }],
};
