#!/usr/bin/env python3
"""Executes a program from a memfd, never written to disk (fileless malware does this)."""
import json, os

fd = os.memfd_create("scn-fileless", 0)
with open("/bin/true", "rb") as src:
    os.write(fd, src.read())
pid = os.fork()
if pid == 0:
    os.execve(fd, ["scn-fileless", "--from-memory"], {})
os.waitpid(pid, 0)
print(json.dumps({"scenario": "memfd-exec", "expect": [
    {"type": "exec", "process.pid": pid, "process.exe": "memfd:scn-fileless", "process.memfd": True,
     "process.exeDeleted": True, "process.argv": ["scn-fileless", "--from-memory"]}]}))
