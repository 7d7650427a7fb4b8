export * from "./exposition";
export * from "./histogram";
export * from "./log";
export * from "./process";
