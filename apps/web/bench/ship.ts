import { gzipSync } from "node:zlib";
import type { Running } from "../test/processes";
import { realisticBatch } from "./realistic-events";

const host = (a: number) => ({ id: `bench-host-${a}`, name: `bench-${a}` });

/** Enrolls `agents` simulated hosts; their credentials. */
export async function enrollHosts(base: string, enrollToken: string, agents: number): Promise<string[]> {
  const credentials: string[] = [];
  for (let a = 0; a < agents; a++) {
    const response = await fetch(`${base}/api/agent/v1/enroll`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: enrollToken, host: { machineId: host(a).id, name: host(a).name } }),
    });
    credentials.push(((await response.json()) as { credential: string }).credential);
  }
  return credentials;
}

/** Each host's batches, gzipped as the agent sends them; `from` numbers the first batch (so reruns add events). */
export function agentBodies(agents: number, batchesPerAgent: number, batch: number, from = 0): Buffer[][] {
  return Array.from({ length: agents }, (_, a) =>
    Array.from({ length: batchesPerAgent }, (_, i) => {
      const b = from + i;
      const events = realisticBatch(host(a), b * agents + a, batch);
      return gzipSync(JSON.stringify({ stream: "bench", firstSeq: b * batch + 1, events }), { level: 1 });
    }),
  );
}

/**
 * Ships every host's batches at once, each host one batch at a time as the agent does (waiting as told on 503);
 * resolves with how many retries the server asked for.
 */
export async function shipAll(
  base: string,
  server: Running,
  credentials: string[],
  bodies: Buffer[][],
  batch: number,
  progress: (shipped: number) => void,
): Promise<number> {
  let shipped = 0;
  let retries = 0;
  await Promise.all(
    bodies.map(async (batches, a) => {
      for (const body of batches) {
        for (;;) {
          let response: Response;
          try {
            response = await fetch(`${base}/api/agent/v1/events`, {
              method: "POST",
              headers: {
                "content-type": "application/json",
                "content-encoding": "gzip",
                authorization: `Bearer ${credentials[a]}`,
              },
              body: new Uint8Array(body),
            });
          } catch (error) {
            if (server.child.exitCode !== null)
              throw new Error(`the server died:\n${server.output.slice(-3000)}`);
            process.stderr.write(
              `  api: ${(error as Error).message} (${String((error as { cause?: unknown }).cause)}); retrying as the agent would\n`,
            );
            continue;
          }
          const answer = (await response.json()) as { accepted?: number; error?: string };
          if (response.status === 503) {
            // busy: the agent waits as told, then retries the same batch
            await new Promise((r) => setTimeout(r, Number(response.headers.get("retry-after") ?? 1) * 1000));
            retries++;
            continue;
          }
          if (response.status !== 200 || answer.accepted !== batch) {
            throw new Error(
              `the server answered ${response.status}: ${JSON.stringify(answer).slice(0, 500)}`,
            );
          }
          break;
        }
        shipped += batch;
        progress(shipped);
      }
    }),
  );
  return retries;
}
