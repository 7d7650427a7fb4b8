import { z } from "zod";
import { envelopeShape } from "./envelope";
import { fileSchema, scriptSchema } from "./file";
import { processRefSchema } from "./process";
import { errnoSchema, u32Schema } from "./scalars";

export const execEventSchema = z.strictObject({
  ...envelopeShape,
  type: z.literal("exec"),
  parent: processRefSchema,
  file: fileSchema,
  script: scriptSchema.optional(),
});

export const unlinkRunningEventSchema = z.strictObject({
  ...envelopeShape,
  type: z.literal("unlink_running"),
  file: fileSchema,
  running: z.strictObject({ pids: z.array(u32Schema) }),
});

export const ptraceEventSchema = z.strictObject({
  ...envelopeShape,
  type: z.literal("ptrace"),
  request: z.string().regex(/^PTRACE_[A-Z_]+$/, "expected a PTRACE_* request name"),
  target: processRefSchema,
  error: errnoSchema.optional(),
});

export const memWriteMethods = ["proc_mem", "process_vm_writev", "ptrace_poke"] as const;

export const memWriteEventSchema = z.strictObject({
  ...envelopeShape,
  type: z.literal("mem_write"),
  method: z.enum(memWriteMethods),
  target: processRefSchema,
  bytes: z.int().min(0).optional(),
  error: errnoSchema.optional(),
});

export const forkEventSchema = z.strictObject({
  ...envelopeShape,
  type: z.literal("fork"),
  parent: processRefSchema,
});

export const exitEventSchema = z.strictObject({
  ...envelopeShape,
  type: z.literal("exit"),
  exit: z.strictObject({
    code: z.int().min(0).max(255),
    signal: z.int().min(0).max(127),
  }),
});

export const vigilEventSchema = z.discriminatedUnion("type", [
  execEventSchema,
  unlinkRunningEventSchema,
  ptraceEventSchema,
  memWriteEventSchema,
  forkEventSchema,
  exitEventSchema,
]);

export type ExecEvent = z.infer<typeof execEventSchema>;
export type UnlinkRunningEvent = z.infer<typeof unlinkRunningEventSchema>;
export type PtraceEvent = z.infer<typeof ptraceEventSchema>;
export type MemWriteEvent = z.infer<typeof memWriteEventSchema>;
export type ForkEvent = z.infer<typeof forkEventSchema>;
export type ExitEvent = z.infer<typeof exitEventSchema>;
export type VigilEvent = z.infer<typeof vigilEventSchema>;
export type MemWriteMethod = (typeof memWriteMethods)[number];
