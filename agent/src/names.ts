import { constants } from "node:os";

const errnoNames = new Map<number, string>(
  Object.entries(constants.errno).map(([name, code]) => [code, name]),
);

/** EPERM for -1: the name of a negative syscall result. */
export function errnoName(result: number): string {
  return errnoNames.get(-result) ?? `E${-result}`;
}

const ptraceRequests = new Map<bigint, string>([
  [0n, "PTRACE_TRACEME"],
  [4n, "PTRACE_POKETEXT"],
  [5n, "PTRACE_POKEDATA"],
  [6n, "PTRACE_POKEUSER"],
  [13n, "PTRACE_SETREGS"],
  [15n, "PTRACE_SETFPREGS"],
  [16n, "PTRACE_ATTACH"],
  [19n, "PTRACE_SETFPXREGS"],
  [0x4205n, "PTRACE_SETREGSET"],
  [0x4206n, "PTRACE_SEIZE"],
]);

export function ptraceRequestName(request: bigint): string {
  return ptraceRequests.get(request) ?? `PTRACE_REQUEST_${request}`;
}

/** Kernel dev_t (major << 20 | minor) in the encoding stat(2) reports. */
export function userDev(kernelDev: number): number {
  const major = kernelDev >>> 20;
  const minor = kernelDev & 0xfffff;
  return ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;
}
