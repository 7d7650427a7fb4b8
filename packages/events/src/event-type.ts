export const eventTypes = ["exec", "unlink_running", "ptrace", "mem_write", "fork", "exit"] as const;

export type EventType = (typeof eventTypes)[number];
