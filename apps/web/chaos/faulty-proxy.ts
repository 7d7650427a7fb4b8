import { createServer, type Server, Socket } from "node:net";

/** What the proxy does to the connections it forwards, changed while it runs. */
export type Faults = {
  /** Each chunk waits this long (ms, uniformly up to it) before it is passed on. */
  delayMs: number;
  /** Every this many chunks (counted over all connections, both directions), the connection carrying it is cut. */
  cutEvery: number;
  /** While set, nothing is forwarded on any connection, and new ones are accepted and ignored (a black hole). */
  blackhole: boolean;
};

/**
 * A TCP proxy between an agent and its server that delays, cuts and swallows traffic: a slow or failing network.
 * A cut can fall after the request reached the server and before its answer reached the agent, so a stored batch
 * is sent again; the server must store it once.
 */
export class FaultyProxy {
  faults: Faults = { delayMs: 0, cutEvery: Infinity, blackhole: false };
  private chunks = 0;
  /** Connections made, cut, and chunks or connections swallowed. */
  readonly counts = { connections: 0, cut: 0, swallowed: 0 };
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly target: { host: string; port: number },
    private readonly random: () => number,
  ) {
    this.server = createServer((client) => this.forward(client));
  }

  listen(): Promise<number> {
    return new Promise((resolve) =>
      this.server.listen(0, "127.0.0.1", () => resolve((this.server.address() as { port: number }).port)),
    );
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket): void {
    this.counts.connections += 1;
    this.track(client);
    if (this.faults.blackhole) {
      this.counts.swallowed += 1;
      client.resume(); // read and drop
      return;
    }
    const upstream = this.track(new Socket());
    upstream.connect(this.target.port, this.target.host);
    const pipe = (from: Socket, to: Socket) => {
      // Chunks pass in order, each after its delay; the end and close follow the last of them.
      let queue = Promise.resolve();
      from.on("data", (chunk: Buffer) => {
        if (this.faults.blackhole) {
          this.counts.swallowed += 1;
          return;
        }
        this.chunks += 1;
        if (this.chunks % this.faults.cutEvery === 0) {
          this.counts.cut += 1;
          client.destroy();
          upstream.destroy();
          return;
        }
        const delay = this.faults.delayMs * this.random();
        from.pause();
        queue = queue
          .then(() => (delay >= 1 ? new Promise((r) => setTimeout(r, delay)) : undefined))
          .then(() => {
            if (!to.destroyed) to.write(chunk);
            from.resume();
          });
      });
      from.on("end", () => {
        queue = queue.then(() => void to.end());
      });
      from.on("close", () => {
        queue = queue.then(() => void to.destroy());
      });
    };
    pipe(client, upstream);
    pipe(upstream, client);
  }

  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => {});
    return socket;
  }
}
