export * from "./envelope";
export * from "./event";
export * from "./event-type";
export * from "./file";
export * from "./parse";
export * from "./process";
export * from "./scalars";
