import { z } from "zod";

/** Labels as the CLI takes them: key=value pairs; the keys are what host filters and policies name. */
export const labels = z
  .record(
    z.string().regex(/^[A-Za-z0-9_./-]{1,63}$/, "a label key is 1-63 letters, digits, _ . / or -"),
    z
      .string()
      .max(255)
      .regex(/^[^,]*$/, "a label value has no commas"),
  )
  .refine((l) => Object.keys(l).length <= 32, "at most 32 labels");
