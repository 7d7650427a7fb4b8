export * from "./fields";
export { globToRegExp, sqlGlob } from "./glob";
export { policyJsonSchema } from "./json-schema";
export {
  compileKernelPlan,
  type HostFacts,
  type KernelFacts,
  type KernelField,
  type KernelPlan,
  type KernelRule,
  type KernelValue,
  kernelDecide,
  kernelFields,
  kernelTypeCodes,
  MAX_KERNEL_POLICIES,
  MAX_KERNEL_RULES,
  planCommands,
} from "./kernel-plan";
export { type Candidates, type Decision, PolicyMatcher, type ProgramFacts } from "./match";
export { MAX_POLICY_BYTES, parsePolicy } from "./parse";
export * from "./types";
