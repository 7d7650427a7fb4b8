export * from "./client";
export * from "./events/codes";
export * from "./events/process-tree";
export * from "./events/query";
export * from "./events/retention";
export * from "./events/time";
export * from "./events/writer";
export * from "./schema";
