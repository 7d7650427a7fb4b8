#!/usr/bin/env python3
"""Deletes a running binary with unlinkat(2) relative to a directory descriptor."""
import json, os, shutil, subprocess, tempfile, time

d = tempfile.mkdtemp(prefix="scn-dirfd.", dir="/tmp")
path = os.path.join(d, "victim")
shutil.copy("/bin/sleep", path)
victim = subprocess.Popen([path, "30"])
time.sleep(0.3)
dirfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
os.unlink("victim", dir_fd=dirfd)
os.close(dirfd)
victim.kill()
victim.wait()
shutil.rmtree(d)
print(json.dumps({"scenario": "unlinkat-dirfd", "expect": [
    {"type": "unlink_running", "file.path": path, "process.pid": os.getpid(), "running.pids": [victim.pid]}]}))
