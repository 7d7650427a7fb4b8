import { tooManyRequests } from "../errors";

/**
 * Failed sign-ins, counted per account name and per client address: past `maxFailures` within `windowMs`, further
 * attempts are refused until the window has passed, so a password cannot be guessed at the server's speed.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60_000,
    /** Names and addresses remembered at most: a flood of made-up names must not grow the server's memory. */
    private readonly maxKeys = 50_000,
  ) {}

  /** Throws 429 when `name` or `source` has failed too often lately. */
  check(name: string, source: string | null, nowMs = Date.now()): void {
    for (const key of this.keys(name, source)) {
      const recent = this.recent(key, nowMs);
      if (recent.length >= this.maxFailures) {
        const waitS = Math.ceil(((recent[0] as number) + this.windowMs - nowMs) / 1000);
        throw tooManyRequests(`too many failed sign-ins: try again in ${waitS} s`, waitS);
      }
    }
  }

  failed(name: string, source: string | null, nowMs = Date.now()): void {
    for (const key of this.keys(name, source)) {
      const recent = this.recent(key, nowMs);
      this.failures.delete(key); // re-inserted last: the Map's order is then oldest failure first
      this.failures.set(key, [...recent, nowMs]);
    }
    for (const key of this.failures.keys()) {
      if (this.failures.size <= this.maxKeys) break;
      this.failures.delete(key);
    }
  }

  succeeded(name: string): void {
    this.failures.delete(`name:${name.toLowerCase()}`);
  }

  private keys(name: string, source: string | null): string[] {
    return source ? [`name:${name.toLowerCase()}`, `source:${source}`] : [`name:${name.toLowerCase()}`];
  }

  private recent(key: string, nowMs: number): number[] {
    const recent = (this.failures.get(key) ?? []).filter((t) => t > nowMs - this.windowMs);
    if (recent.length === 0) this.failures.delete(key);
    return recent;
  }
}
