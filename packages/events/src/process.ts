import { z } from "zod";
import { textSchema, u32Schema, u64StringSchema } from "./scalars";

export const processSchema = z.strictObject({
  pid: u32Schema,
  tid: u32Schema,
  ppid: u32Schema,
  uid: u32Schema,
  euid: u32Schema,
  gid: u32Schema,
  /** The name of `uid` on the host, when the host has one for it. */
  user: textSchema.min(1).max(256).optional(),
  comm: textSchema,
  exe: textSchema,
  filename: textSchema,
  argv: z.array(textSchema),
  cwd: textSchema,
  cgroupId: u64StringSchema,
  containerId: textSchema.min(1).optional(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits")
    .optional(),
  exeDeleted: z.boolean().optional(),
  memfd: z.boolean().optional(),
});

export const processRefSchema = z.strictObject({
  pid: u32Schema,
  exe: textSchema,
  comm: textSchema,
});

export type Process = z.infer<typeof processSchema>;
export type ProcessRef = z.infer<typeof processRefSchema>;
