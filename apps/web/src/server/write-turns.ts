/**
 * Runs the writes of event batches on the single writer, in groups: the batches waiting when a turn of the event
 * loop comes are written in one transaction, for up to `budgetMs`, then committed at once. A commit costs about as
 * much as the writes of a small batch, so a fleet's many small batches share one (bench:fleet); between two groups
 * the server answers what else is waiting (heartbeats, policy polls, the console). Writes open no savepoint of
 * their own (one costs a copy of every page it touches): when one throws, the group is rolled back, that write is
 * refused, and the others are written again in the next group.
 */
export class WriteTurns {
  private readonly waiting: Write[] = [];
  private scheduled = false;

  constructor(
    /** Runs `work` in one transaction: commits when it returns, rolls back and throws when it throws. */
    private readonly transaction: (work: () => void) => void,
    /** Called after a rollback: whatever the group's writes stored is gone. */
    private readonly rolledBack: () => void,
    private readonly budgetMs = 50,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** `write` is answered once the group it ran in is committed. */
  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ write, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.writeGroup();
      this.schedule();
    });
  }

  private writeGroup(): void {
    const done: { write: Write; value: unknown }[] = [];
    let failed: { write: Write; error: unknown } | null = null;
    const started = this.now();
    try {
      this.transaction(() => {
        while (this.waiting.length > 0 && (done.length === 0 || this.now() - started < this.budgetMs)) {
          const write = this.waiting.shift() as Write;
          try {
            done.push({ write, value: write.write() });
          } catch (error) {
            failed = { write, error };
            throw error;
          }
        }
      });
    } catch (error) {
      this.rolledBack();
      if (failed === null) {
        for (const { write } of done) write.reject(error); // the commit failed: nothing of the group is stored
      } else {
        (failed as { write: Write; error: unknown }).write.reject(error);
        this.waiting.unshift(...done.map(({ write }) => write));
      }
      return;
    }
    for (const { write, value } of done) write.resolve(value);
  }
}

type Write = { write: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void };
