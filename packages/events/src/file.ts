import { z } from "zod";
import { u32Schema, u64StringSchema } from "./scalars";

export const fileSchema = z.strictObject({
  path: z.string(),
  dev: u32Schema,
  inode: u64StringSchema,
});

export const scriptSchema = z.strictObject({
  path: z.string(),
  interpreter: z.string(),
});

export type FileRef = z.infer<typeof fileSchema>;
export type Script = z.infer<typeof scriptSchema>;
