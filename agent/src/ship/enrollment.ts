import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import type { Host } from "@vigil/events";
import type { Log } from "../log";
import { networkError, type ServerAnswer, type ServerClient } from "./server-client";
import { serverUrls } from "./server-url";

export const agentVersion = "0.1.0";

type Saved = { server: string; agentId: string; credential: string; machineId: string };

export function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "Linux";
  } catch {
    return "Linux";
  }
}

export class EnrollmentError extends Error {}

/** Replaces agent.json at once (readable by root only): a crash leaves the old credential or the new, never half. */
function save(path: string, saved: Saved): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(saved), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/**
 * This agent's credential for `server`: the saved one, or a new one obtained with the enrollment token (saved
 * with mode 0600 before it is used). Waits while the server is unreachable; a refused token is an error.
 */
export async function credentialFor(options: {
  server: string;
  dataDir: string;
  enrollToken?: string;
  host: Host;
  client: ServerClient;
  log: Log;
  stopped: () => boolean;
}): Promise<string | null> {
  const path = join(options.dataDir, "agent.json");
  try {
    const saved = JSON.parse(readFileSync(path, "utf8")) as Saved;
    // Enrolled with a server of the cluster named now (servers may be added to the list later).
    const servers = new Set(serverUrls(options.server));
    const sameCluster = serverUrls(saved.server).some((url) => servers.has(url));
    if (sameCluster && saved.machineId === options.host.id) return saved.credential;
  } catch {
    // not enrolled yet
  }
  if (!options.enrollToken) {
    throw new EnrollmentError(
      `this agent is not enrolled with ${options.server}: pass --enroll-token (or VIGIL_ENROLL_TOKEN); ` +
        "an admin creates one with `vigil enroll-token create`",
    );
  }
  const request = JSON.stringify({
    token: options.enrollToken,
    host: {
      machineId: options.host.id,
      name: options.host.name,
      os: osName(),
      kernel: release(),
      agentVersion,
    },
  });
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  for (let delay = 500; !options.stopped(); delay = Math.min(delay * 2, 30_000)) {
    let answer: ServerAnswer;
    try {
      answer = await options.client.post("/api/agent/v1/enroll", request);
    } catch (error) {
      options.log.warn(`enrollment: cannot reach ${options.server} (${networkError(error)}); retrying`);
      await new Promise((resolve) => setTimeout(resolve, delay).unref()); // a stopping agent does not wait for it
      continue;
    }
    if (answer.status === 200) {
      const saved: Saved = {
        server: options.server,
        agentId: String(answer.body.agentId),
        credential: String(answer.body.credential),
        machineId: options.host.id,
      };
      save(path, saved);
      options.log.info(`enrolled with ${options.server} as agent ${saved.agentId}`, {
        agentId: saved.agentId,
      });
      return saved.credential;
    }
    if (answer.status < 500 && answer.status !== 429) {
      throw new EnrollmentError(`the server refused enrollment (${answer.status}): ${answer.body.error}`);
    }
    options.log.warn(`enrollment: the server answered ${answer.status}; retrying`, { status: answer.status });
    await new Promise((resolve) => setTimeout(resolve, delay).unref()); // a stopping agent does not wait for it
  }
  return null;
}

/**
 * Fetches the new credential an admin asked this agent to take, saves it, and uses it from now on. The server
 * keeps the old one valid until the new one is used, so a failure here (unsaved, unreachable) only means asking
 * again at the next heartbeat.
 */
export async function rotateCredential(options: {
  server: string;
  dataDir: string;
  client: ServerClient;
  log: Log;
}): Promise<void> {
  const path = join(options.dataDir, "agent.json");
  let answer: ServerAnswer;
  try {
    answer = await options.client.post("/api/agent/v1/credential", "{}", { timeoutMs: 10_000 });
  } catch (error) {
    options.log.warn(`credential rotation: cannot reach ${options.server} (${networkError(error)})`);
    return;
  }
  if (answer.status !== 200 || typeof answer.body.credential !== "string") {
    options.log.warn(`credential rotation refused (${answer.status}): ${answer.body.error}`, {
      status: answer.status,
    });
    return;
  }
  try {
    const saved = JSON.parse(readFileSync(path, "utf8")) as Saved;
    save(path, { ...saved, credential: answer.body.credential });
  } catch (error) {
    options.log.error(
      `credential rotation: cannot save ${path} (${(error as Error).message}); keeping the old one`,
    );
    return;
  }
  options.client.setCredential(answer.body.credential);
  options.log.info("credential rotated: the server refuses the old one from the next request on");
}
