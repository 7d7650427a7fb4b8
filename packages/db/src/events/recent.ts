/** Values by key, at most `max` of them: past that, the least recently kept goes. */
export class Recent<V> {
  private readonly values = new Map<string, V>(); // least recently kept first

  constructor(private readonly max: number) {}

  /** The value kept for `key`, taken out until it is kept again. */
  take(key: string): V | undefined {
    const value = this.values.get(key);
    this.values.delete(key);
    return value;
  }

  keep(key: string, value: V): void {
    this.values.set(key, value);
    if (this.values.size > this.max) this.values.delete(this.values.keys().next().value as string);
  }
}
