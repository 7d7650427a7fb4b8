export * from "./clickhouse-store";
export { eventLine } from "./rows";
