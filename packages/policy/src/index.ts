export * from "./fields";
export { globToRegExp, sqlGlob } from "./glob";
export { policyJsonSchema } from "./json-schema";
export { type Candidates, type Decision, PolicyMatcher, type ProgramFacts } from "./match";
export { MAX_POLICY_BYTES, parsePolicy } from "./parse";
export * from "./types";
