export * from "./clickhouse-store";
