import type { EventType, Sensor, Verdict } from "@vigil/events";

// Stored in every row: never renumber, only add.
export const typeCodes: Record<EventType, number> = {
  exec: 0,
  fork: 1,
  exit: 2,
  unlink_running: 3,
  ptrace: 4,
  mem_write: 5,
};
export const sensorCodes: Record<Sensor, number> = { tracepoint: 0, lsm: 1 };
export const verdictCodes: Record<Verdict, number> = { allowed: 0, denied: 1, audit: 2 };

const invert = <K extends string>(codes: Record<K, number>): K[] => {
  const names: K[] = [];
  for (const [name, code] of Object.entries(codes) as [K, number][]) names[code] = name;
  return names;
};
export const typeNames = invert(typeCodes);
export const sensorNames = invert(sensorCodes);
export const verdictNames = invert(verdictCodes);
