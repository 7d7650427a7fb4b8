import { globToRegExp } from "./glob";
import type { Condition } from "./types";

export const MAX_REGEX_LENGTH = 256;

export type Test = (value: string | number | readonly string[] | undefined) => boolean;

/** A condition as a function of a field's value; or why it cannot be one (a regex that does not compile). */
export function compileCondition(
  condition: Condition,
): { test: Test; problem?: undefined } | { problem: string } {
  switch (condition.kind) {
    case "glob": {
      const patterns = condition.patterns.map(globToRegExp);
      return { test: (v) => typeof v === "string" && patterns.some((p) => p.test(v)) };
    }
    case "id": {
      const ids = new Set(condition.ids);
      return { test: (v) => v !== undefined && !Array.isArray(v) && ids.has(String(v)) };
    }
    case "choice": {
      const values = new Set(condition.values);
      return { test: (v) => typeof v === "string" && values.has(v) };
    }
    case "argv": {
      if ("contains" in condition) {
        const needles = condition.contains;
        return {
          test: (v) => Array.isArray(v) && v.some((arg: string) => needles.some((n) => arg.includes(n))),
        };
      }
      if (condition.regex.length > MAX_REGEX_LENGTH)
        return { problem: `the regex is longer than ${MAX_REGEX_LENGTH} characters` };
      let regex: RegExp;
      try {
        regex = new RegExp(condition.regex, "u");
      } catch (error) {
        return { problem: `not a valid regex: ${(error as Error).message}` };
      }
      // The command line as a shell would show it, arguments joined by spaces.
      return { test: (v) => Array.isArray(v) && regex.test(v.join(" ")) };
    }
  }
}
