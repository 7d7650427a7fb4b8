#!/usr/bin/env python3
"""An unprivileged process tries to attach to a root process: the attempt is reported with its error."""
import ctypes, json, os, subprocess, time

target = subprocess.Popen(["sleep", "30"])
time.sleep(0.2)
pid = os.fork()
if pid == 0:
    os.setgid(65534)
    os.setuid(65534)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    os._exit(0 if libc.ptrace(16, target.pid, None, None) != 0 else 1)
_, status = os.waitpid(pid, 0)
target.kill()
target.wait()
if os.waitstatus_to_exitcode(status) != 0:
    raise SystemExit("the unprivileged PTRACE_ATTACH unexpectedly succeeded")
print(json.dumps({"scenario": "ptrace-denied", "expect": [
    {"type": "ptrace", "process.pid": pid, "process.uid": 65534, "request": "PTRACE_ATTACH", "target.pid": target.pid,
     "error": "EPERM"}]}))
