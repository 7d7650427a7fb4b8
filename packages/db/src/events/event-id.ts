import type { EventType } from "@vigil/events";

/**
 * The agent's event ids are `<boot>-<ktime hex>-<tid hex>-<type>`: stored as the boot (a few per host), the
 * kernel time and, when it is not the process's, the thread id, they take 9-12 bytes instead of 30. Any other id,
 * or one not in that exact form, is kept as text.
 */
export type CompactId = { boot: string; ktime: bigint; tid: number };

const pattern = /^([0-9a-z]{1,32})-([1-9a-f][0-9a-f]{0,15}|0)-([1-9a-f][0-9a-f]{0,7}|0)-([a-z_]+)$/;

export function compactId(id: string, type: EventType): CompactId | null {
  const m = pattern.exec(id);
  if (!m || m[4] !== type) return null;
  return {
    boot: m[1] as string,
    ktime: BigInt.asIntN(64, BigInt(`0x${m[2]}`)),
    tid: Number.parseInt(m[3] as string, 16),
  };
}

export const expandId = (boot: string, ktime: bigint, tid: number, type: EventType) =>
  `${boot}-${BigInt.asUintN(64, ktime).toString(16)}-${tid.toString(16)}-${type}`;
