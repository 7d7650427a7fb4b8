#!/usr/bin/env python3
"""Runs a #! script by a relative path: the event names the script and the interpreter that runs it."""
import json, os, shutil, tempfile

d = tempfile.mkdtemp(prefix="scn-script.", dir="/tmp")
with open(os.path.join(d, "probe.sh"), "w") as script:
    script.write("#!/bin/sh\nexit 0\n")
os.chmod(os.path.join(d, "probe.sh"), 0o755)
pid = os.fork()
if pid == 0:
    os.chdir(d)
    os.execv("./probe.sh", ["./probe.sh", "first"])
os.waitpid(pid, 0)
shutil.rmtree(d)
print(json.dumps({"scenario": "script-exec", "expect": [
    {"type": "exec", "process.pid": pid, "process.exe": os.path.realpath("/bin/sh"), "process.filename": "./probe.sh",
     "process.argv": ["/bin/sh", "./probe.sh", "first"], "process.cwd": d,
     "script.path": os.path.join(d, "probe.sh"), "script.interpreter": "/bin/sh"}]}))
