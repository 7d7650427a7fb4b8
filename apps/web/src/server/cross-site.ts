/**
 * Whether a state-changing request comes from another site's page, riding on the session cookie (CSRF). Browsers
 * send Origin, and Sec-Fetch-Site, with every POST; a request with neither comes from a tool, not a browser. With
 * an API token (Authorization) no cookie is used, and no other site's page can send that header.
 */
export function crossSite(request: Request): boolean {
  if (request.method === "GET" || request.method === "HEAD") return false;
  if (request.headers.has("authorization")) return false;
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return true;
  const origin = request.headers.get("origin");
  if (origin === null) return false;
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  try {
    return new URL(origin).host !== host;
  } catch {
    return true; // "null": a sandboxed frame or a redirect from elsewhere
  }
}
