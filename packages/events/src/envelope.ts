import { z } from "zod";
import { processRefSchema, processSchema } from "./process";
import { timeSchema } from "./scalars";

export const sensors = ["lsm", "tracepoint"] as const;
export const verdicts = ["allowed", "denied", "audit"] as const;

export const hostSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
});

export const policyRefSchema = z.strictObject({
  id: z.string().min(1),
  version: z.int().min(1),
  rule: z.string().min(1),
});

export const envelopeShape = {
  id: z.string().min(1),
  time: timeSchema,
  host: hostSchema,
  sensor: z.enum(sensors),
  verdict: z.enum(verdicts),
  policy: policyRefSchema.nullable(),
  process: processSchema,
  parent: processRefSchema.optional(),
  truncated: z.array(z.string()).optional(),
};

export type Host = z.infer<typeof hostSchema>;
export type PolicyRef = z.infer<typeof policyRefSchema>;
export type Sensor = (typeof sensors)[number];
export type Verdict = (typeof verdicts)[number];
