import type { z } from "zod";

/** `true` exactly when the schema it was compiled from accepts the value. */
export type Check = (value: unknown) => boolean;

type Def = {
  type: string;
  checks?: { _zod: { def: CheckDef } }[];
  [key: string]: unknown;
};
type CheckDef = { check: string; [key: string]: unknown };

/**
 * Compiles a zod schema into a predicate that accepts exactly what `schema.safeParse` accepts, without building the
 * copy and the result objects zod makes: the ingest path validates every event and needs only yes or no (zod then
 * explains a refused one). Only schemas whose output is their input compile (no transforms, defaults or stripped
 * keys), so an accepted value can be used as is; anything else throws here, when the module loads.
 */
export function compileCheck(schema: z.core.$ZodType): Check {
  const def = schema._zod.def as unknown as Def;
  const own = (def.checks ?? []).map(({ _zod }) => compileRule(_zod.def));
  const base = compileType(def);
  if (own.length === 0) return base;
  return (value) => {
    if (!base(value)) return false;
    for (const rule of own) if (!rule(value)) return false;
    return true;
  };
}

function compileType(def: Def): Check {
  switch (def.type) {
    case "string":
      // z.email() and the like carry their format on the type itself: not mirrored.
      if (def.check !== undefined)
        throw new Error(`compileCheck: string format "${String(def.format)}" is not supported`);
      return (value) => typeof value === "string";
    case "boolean":
      return (value) => typeof value === "boolean";
    case "number":
      return compileNumber(def);
    case "literal": {
      const values = def.values as unknown[];
      return (value) => values.includes(value);
    }
    case "enum": {
      const values = new Set(Object.values(def.entries as Record<string, unknown>));
      return (value) => values.has(value);
    }
    case "optional": {
      const inner = compileCheck(def.innerType as z.core.$ZodType);
      return (value) => value === undefined || inner(value);
    }
    case "nullable": {
      const inner = compileCheck(def.innerType as z.core.$ZodType);
      return (value) => value === null || inner(value);
    }
    case "array": {
      const element = compileCheck(def.element as z.core.$ZodType);
      return (value) => {
        if (!Array.isArray(value)) return false;
        for (let i = 0; i < value.length; i++) if (!element(value[i])) return false; // holes too (every() skips them)
        return true;
      };
    }
    case "object":
      return compileObject(def);
    case "union":
      return compileUnion(def);
    default:
      throw new Error(`compileCheck: zod type "${def.type}" is not supported`);
  }
}

function compileNumber(def: Def): Check {
  if (def.check === undefined) return (value) => typeof value === "number" && Number.isFinite(value);
  if (def.format === "safeint") return (value) => Number.isSafeInteger(value);
  throw new Error(`compileCheck: number format "${String(def.format)}" is not supported`);
}

function compileObject(def: Def): Check {
  const catchall = (def.catchall as z.core.$ZodType | undefined)?._zod.def.type;
  // A plain z.object strips unknown keys: its output would not be its input.
  if (catchall !== "never" && catchall !== "unknown")
    throw new Error("compileCheck: only strict (or loose) objects are supported");
  const shape = def.shape as Record<string, z.core.$ZodType>;
  const keys = Object.keys(shape);
  const checks = keys.map((key) => compileCheck(shape[key] as z.core.$ZodType));
  const strict = catchall === "never";
  // As zod does: fields are read with `[]` and every enumerable key counts, inherited ones too.
  return (value) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
    const record = value as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) if (!(checks[i] as Check)(record[keys[i] as string])) return false;
    if (strict) for (const key in record) if (!Object.hasOwn(shape, key)) return false;
    return true;
  };
}

function compileUnion(def: Def): Check {
  const options = def.options as z.core.$ZodType[];
  const discriminator = def.discriminator as string | undefined;
  if (discriminator === undefined) {
    const checks = options.map(compileCheck);
    return (value) => checks.some((check) => check(value));
  }
  const byValue = new Map<unknown, Check>();
  for (const option of options) {
    const check = compileCheck(option);
    // the discriminator's values in this option, as zod itself finds them
    for (const value of option._zod.propValues?.[discriminator] ?? []) byValue.set(value, check);
  }
  return (value) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
    const check = byValue.get((value as Record<string, unknown>)[discriminator]);
    return check?.(value) === true;
  };
}

function compileRule(def: CheckDef): Check {
  switch (def.check) {
    case "min_length": {
      const minimum = def.minimum as number;
      return (value) => (value as string | unknown[]).length >= minimum;
    }
    case "max_length": {
      const maximum = def.maximum as number;
      return (value) => (value as string | unknown[]).length <= maximum;
    }
    case "greater_than": {
      const bound = def.value as number;
      return def.inclusive ? (value) => (value as number) >= bound : (value) => (value as number) > bound;
    }
    case "less_than": {
      const bound = def.value as number;
      return def.inclusive ? (value) => (value as number) <= bound : (value) => (value as number) < bound;
    }
    case "string_format": {
      if (def.format !== "regex") break;
      const pattern = def.pattern as RegExp;
      return (value) => {
        pattern.lastIndex = 0;
        return pattern.test(value as string);
      };
    }
    case "custom": {
      const fn = def.fn as (value: unknown) => unknown;
      return (value) => Boolean(fn(value));
    }
  }
  throw new Error(`compileCheck: zod check "${def.check}" ${String(def.format ?? "")} is not supported`);
}
