#!/usr/bin/env python3
"""Runs a program whose arguments carry markup, control characters, invalid UTF-8 and 6000 bytes."""
import json, os, shutil, subprocess, tempfile

d = tempfile.mkdtemp(prefix="scn-argv.", dir="/tmp")
exe = os.path.join(d, "probe-argv")
shutil.copy("/bin/true", exe)
long_arg = "L" * 6000
args = [exe.encode(), b"<img src=x onerror=alert(1)>", b"line1\nline2\ttab", b"bad\xff\xfeutf8", b"", long_arg.encode(),
        "caf\u00e9 \u2603".encode()]
child = subprocess.Popen(args)
child.wait()
shutil.rmtree(d)
print(json.dumps({"scenario": "hostile-argv", "expect": [{"type": "exec", "process.pid": child.pid, "process.argv": [
    exe, "<img src=x onerror=alert(1)>", "line1\nline2\ttab", "bad\\xff\\xfeutf8", "", long_arg, "caf\u00e9 \u2603"]}]}))
