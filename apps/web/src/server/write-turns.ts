/**
 * Runs writes (event batches) one per turn of the event loop. Batches decoded on other threads arrive together;
 * written back to back they would hold the loop for the sum of their transactions, and heartbeats, policy polls
 * and the console would wait for all of them. Between two writes the server now answers what else is waiting.
 */
export class WriteTurns {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push(() => {
        try {
          resolve(write());
        } catch (error) {
          reject(error);
        }
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.waiting.shift()?.();
      this.schedule();
    });
  }
}
