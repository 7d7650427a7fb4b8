import { z } from "zod";
import { textSchema, u32Schema, u64StringSchema } from "./scalars";

export const fileSchema = z.strictObject({
  path: textSchema,
  dev: u32Schema,
  inode: u64StringSchema,
});

export const scriptSchema = z.strictObject({
  path: textSchema,
  interpreter: textSchema,
});

export type FileRef = z.infer<typeof fileSchema>;
export type Script = z.infer<typeof scriptSchema>;
