import { isIP } from "node:net";

/** The servers of `--server`: one URL, or several of one cluster, comma-separated. */
export const serverUrls = (list: string): string[] =>
  list
    .split(",")
    .map((url) => url.trim())
    .filter(Boolean);

/**
 * Why the agent must not use `url` as its server, or null. Credentials and events travel in the clear over http://,
 * so a server elsewhere than this host needs https:// unless plaintext is explicitly allowed.
 */
export function serverUrlProblem(url: string, allowPlaintext: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `--server ${JSON.stringify(url)} is not a URL (e.g. https://vigil.example:3000)`;
  }
  if (parsed.protocol === "https:") return null;
  if (parsed.protocol !== "http:")
    return `--server must be an http:// or https:// URL, not ${parsed.protocol}//`;
  if (allowPlaintext || isLoopback(parsed.hostname)) return null;
  return (
    `--server ${url} is plaintext HTTP to another host: the agent's credential and events would cross the network ` +
    "unencrypted. Serve Vigil over HTTPS (VIGIL_TLS_CERT and VIGIL_TLS_KEY) and use https:// with --ca-file, or " +
    "pass --allow-plaintext (VIGIL_ALLOW_PLAINTEXT=1) on a network you trust"
  );
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}
