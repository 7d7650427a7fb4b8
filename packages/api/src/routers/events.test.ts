import { EventWriter, sessions } from "@vigil/db";
import { vigilEventSchema } from "@vigil/events";
import { validEvent } from "@vigil/events/fixtures";
import { afterEach, describe, expect, it } from "vitest";
import { createCaller } from "../root";
import { sessionUser, signIn } from "../services/sessions";
import { createUser } from "../services/users";
import { testContext } from "../test-context";

let cleanup = () => {};
afterEach(() => cleanup());

/** A viewer signed in for real: the live tail checks the session on every event. */
async function viewer() {
  const t = testContext(null, null);
  cleanup = t.cleanup;
  await createUser(t.store, { name: "ana", role: "viewer", password: "a long enough password" });
  const { cookie } = await signIn(t.store, t.context.throttle, {
    name: "ana",
    password: "a long enough password",
    source: null,
  });
  return { t, caller: createCaller({ ...t.context, actor: sessionUser(t.store, cookie) }) };
}

describe("events list", () => {
  it("pages newest first, or oldest first when asked, each page continuing the last", async () => {
    const { t, caller } = await viewer();
    const writer = new EventWriter(t.store.sqlite);
    for (let i = 0; i < 5; i++) {
      const time = `2026-11-29T10:00:0${i}.000000000Z`;
      writer.insert(t.hostId, vigilEventSchema.parse({ ...validEvent("exit"), id: `e${i}`, time }));
    }
    const ids = async (order?: "newest" | "oldest") => {
      const first = await caller.events.list({ order, limit: 3 });
      const rest = await caller.events.list({ order, limit: 3, cursor: first.nextCursor });
      return [...first.events, ...rest.events].map((e) => e.id);
    };
    expect(await ids()).toEqual(["e4", "e3", "e2", "e1", "e0"]);
    expect(await ids("oldest")).toEqual(["e0", "e1", "e2", "e3", "e4"]);
  });
});

describe("live tail", () => {
  it("sends matching events as they arrive, and ends when the session is closed", async () => {
    const { t, caller } = await viewer();
    const writer = new EventWriter(t.store.sqlite);
    const store = (type: "exec" | "exit", id: string) =>
      writer.insert(t.hostId, vigilEventSchema.parse({ ...validEvent(type), id }));
    store("exec", "before"); // already there when the tail starts: not sent

    const tail = (await caller.events.tail({ types: ["exec"] }))[Symbol.asyncIterator]();
    const first = tail.next();
    store("exit", "not-an-exec");
    store("exec", "new");
    const received = await first;
    const [arrival, event] = received.value as unknown as [string, { id: string; type: string }];
    expect(arrival).toMatch(/^\d+$/); // a reconnect sends it back as lastEventId
    expect(event).toMatchObject({ id: "new", type: "exec" });

    t.store.db.delete(sessions).run(); // signed out elsewhere
    store("exec", "after-sign-out");
    expect((await tail.next()).done).toBe(true);
  });
});
