/** Events firstSeq..lastSeq were spooled at `ms`. */
type Mark = { firstSeq: number; lastSeq: number; ms: number };

/** Ages of events the server acknowledged: `events` of them were spooled `ageMs` before. */
export type AckedAges = { ageMs: number; events: number }[];

/**
 * When spooled events were appended, in memory, so that their age can be told when the server acknowledges them.
 * Events spooled before the agent started have no mark and are not measured. While the server is away marks pile
 * up: past `maxMarks` neighbours merge and keep the older time, so a long wait is never under-reported.
 */
export class SpoolAges {
  private marks: Mark[] = [];

  constructor(private readonly maxMarks = 4096) {}

  appended(firstSeq: number, lastSeq: number, ms: number): void {
    this.marks.push({ firstSeq, lastSeq, ms });
    if (this.marks.length > this.maxMarks) this.merge();
  }

  /** The server stored firstSeq..lastSeq: the ages of those events (older marks, dropped events, are forgotten). */
  acked(firstSeq: number, lastSeq: number, nowMs: number): AckedAges {
    const ages: AckedAges = [];
    let done = 0;
    for (const mark of this.marks) {
      if (mark.firstSeq > lastSeq) break;
      const from = Math.max(mark.firstSeq, firstSeq);
      const to = Math.min(mark.lastSeq, lastSeq);
      if (to >= from) ages.push({ ageMs: nowMs - mark.ms, events: to - from + 1 });
      if (mark.lastSeq > lastSeq) {
        mark.firstSeq = lastSeq + 1;
        break;
      }
      done++;
    }
    this.marks.splice(0, done);
    return ages;
  }

  private merge(): void {
    const merged: Mark[] = [];
    for (let i = 0; i < this.marks.length; i += 2) {
      const first = this.marks[i] as Mark;
      const second = this.marks[i + 1];
      merged.push(second ? { firstSeq: first.firstSeq, lastSeq: second.lastSeq, ms: first.ms } : first);
    }
    this.marks = merged;
  }
}
