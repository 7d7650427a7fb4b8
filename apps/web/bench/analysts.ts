// The analysts of bench:load, in a process of their own: in the bench's process, the agents' uploads held up their
// event loop, and a console request answered in 6 ms (curl, beside) was timed at 300-450 ms.
// node --import tsx analysts.ts BASE TOKEN USERS THINK_MS: runs until a line arrives on stdin, then prints the
// request times as JSON.
import { createInterface } from "node:readline";

const [base, token, usersText, thinkText] = process.argv.slice(2) as [string, string, string, string];
const THINK_MS = Number(thinkText);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

type Page = {
  events: { host: { id: string }; process: { pid: number }; time: string }[];
  nextCursor: unknown;
};

async function trpc<T>(path: string, input: unknown): Promise<T> {
  const response = await fetch(
    `${base}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  const body = (await response.json()) as { result?: { data: T }; error?: unknown };
  if (!body.result)
    throw new Error(`${path}: ${response.status} ${JSON.stringify(body.error).slice(0, 300)}`);
  return body.result.data;
}

/** What an analyst does, over and over: a filtered first page, two pages further, a process view from it. */
const filters = [
  {},
  { types: ["exec"] },
  { host: "bench-host-1" },
  { q: "curl" },
  { exe: "/usr/bin/python*" },
];

/** Runs `users` analysts until `until` resolves; the time each request took, by kind. */
async function analysts(users: number, until: Promise<unknown>) {
  const times = { page: [] as number[], deeper: [] as number[], process: [] as number[] };
  let done = false;
  void until.then(() => {
    done = true;
  });
  const timed = async <T>(into: number[], call: () => Promise<T>) => {
    const start = performance.now();
    const result = await call();
    into.push(performance.now() - start);
    if (THINK_MS > 0) await new Promise((r) => setTimeout(r, THINK_MS * (0.5 + Math.random())));
    return result;
  };
  await Promise.all(
    Array.from({ length: users }, async (_, u) => {
      // People do not all click at the same moment: each starts somewhere in the first pause.
      await new Promise((r) => setTimeout(r, THINK_MS * Math.random()));
      for (let round = 0; !done; round++) {
        const filter = filters[(u + round) % filters.length];
        let page = await timed(times.page, () => trpc<Page>("events.list", { ...filter, limit: 100 }));
        for (let deeper = 0; deeper < 2 && page.nextCursor && !done; deeper++) {
          const cursor = page.nextCursor;
          page = await timed(times.deeper, () =>
            trpc<Page>("events.list", { ...filter, limit: 100, cursor }),
          );
        }
        const event = page.events[(u * 7 + round) % Math.max(page.events.length, 1)];
        if (event && !done) {
          const { host, process, time } = event;
          await timed(times.process, () =>
            trpc("processes.tree", { host: host.id, pid: process.pid, at: time }),
          );
        }
      }
    }),
  );
  const all = [...times.page, ...times.deeper, ...times.process];
  return {
    requests: all.length,
    p95: percentile(all, 95),
    pageP95: percentile(times.page, 95),
    deeperP95: percentile(times.deeper, 95),
    processP95: percentile(times.process, 95),
  };
}

const stopped = new Promise<void>((resolve) =>
  createInterface({ input: process.stdin }).once("line", () => resolve()),
);
process.stdout.write(`${JSON.stringify(await analysts(Number(usersText), stopped))}\n`);
process.exit(0);
