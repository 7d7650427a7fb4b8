import { z } from "zod";
import { u32Schema, u64StringSchema } from "./scalars";

export const processSchema = z.strictObject({
  pid: u32Schema,
  tid: u32Schema,
  ppid: u32Schema,
  uid: u32Schema,
  euid: u32Schema,
  gid: u32Schema,
  /** The name of `uid` on the host, when the host has one for it. */
  user: z.string().min(1).max(256).optional(),
  comm: z.string(),
  exe: z.string(),
  filename: z.string(),
  argv: z.array(z.string()),
  cwd: z.string(),
  cgroupId: u64StringSchema,
  containerId: z.string().min(1).optional(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits")
    .optional(),
  exeDeleted: z.boolean().optional(),
  memfd: z.boolean().optional(),
});

export const processRefSchema = z.strictObject({
  pid: u32Schema,
  exe: z.string(),
  comm: z.string(),
});

export type Process = z.infer<typeof processSchema>;
export type ProcessRef = z.infer<typeof processRefSchema>;
