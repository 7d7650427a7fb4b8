import { customType } from "drizzle-orm/sqlite-core";

/** A 64-bit INTEGER read and written as bigint (nanosecond times and kernel ids exceed 2^53). */
export const int64 = customType<{ data: bigint; driverData: bigint }>({
  dataType: () => "integer",
});
