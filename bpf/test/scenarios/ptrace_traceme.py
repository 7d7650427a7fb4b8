#!/usr/bin/env python3
"""A child asks to be traced by its parent with PTRACE_TRACEME."""
import ctypes, json, os

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    ok = libc.ptrace(0, 0, None, None) == 0
    os.write(w, b"1" if ok else b"0")
    os._exit(0)
ok = os.read(r, 1) == b"1"
os.waitpid(pid, 0)
if not ok:
    raise SystemExit("PTRACE_TRACEME failed")
print(json.dumps({"scenario": "ptrace-traceme", "expect": [
    {"type": "ptrace", "process.pid": pid, "request": "PTRACE_TRACEME", "target.pid": os.getpid()}]}))
