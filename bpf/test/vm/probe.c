// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Runs inside the test VM: performs one action the policies judge and prints `VIGIL-RESULT <label> <outcome>`,
 * outcome 0 or the errno name. Static and not position-independent, so `target_word` has one address in every copy.
 *   probe LABEL exec PATH          execs PATH (a copy of probe), which prints the result as `noop`
 *   probe LABEL noop
 *   probe LABEL unlink PATH | rename FROM TO
 *   probe LABEL attach PID         PTRACE_ATTACH, then detach
 *   probe LABEL vm-write PID       process_vm_writev into PID's target_word
 *   probe LABEL mem-write PID      open /proc/PID/mem for writing and write its target_word ("self" for itself)
 *   probe LABEL sleep              waits to be traced, written into or killed
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>

static volatile long target_word = 1;

static int report(const char *label, int err)
{
	printf("VIGIL-RESULT %s %s\n", label, err ? strerrorname_np(err) : "0");
	fflush(stdout);
	return err ? 1 : 0;
}

static int outcome(int ok)
{
	return ok ? 0 : errno;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: probe LABEL ACTION [ARGS]\n");
		return 2;
	}
	const char *label = argv[1], *action = argv[2], *arg = argc > 3 ? argv[3] : "";
	pid_t pid = atoi(arg);
	long value = 2;

	if (strcmp(action, "noop") == 0)
		return report(label, 0);
	if (strcmp(action, "sleep") == 0) {
		for (;;)
			pause();
	}
	if (strcmp(action, "exec") == 0) {
		char *args[] = {(char *)arg, (char *)label, "noop", NULL};
		execv(arg, args);
		return report(label, errno);
	}
	if (strcmp(action, "unlink") == 0)
		return report(label, outcome(unlink(arg) == 0));
	if (strcmp(action, "rename") == 0 && argc > 4)
		return report(label, outcome(rename(arg, argv[4]) == 0));
	if (strcmp(action, "attach") == 0) {
		int err = outcome(ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0);
		if (!err) {
			waitpid(pid, NULL, __WALL);
			ptrace(PTRACE_DETACH, pid, NULL, NULL);
		}
		return report(label, err);
	}
	if (strcmp(action, "vm-write") == 0) {
		struct iovec local = {&value, sizeof(value)}, remote = {(void *)&target_word, sizeof(value)};
		return report(label, outcome(process_vm_writev(pid, &local, 1, &remote, 1, 0) == sizeof(value)));
	}
	if (strcmp(action, "mem-write") == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%s/mem", arg);
		int fd = open(path, O_RDWR);
		if (fd < 0)
			return report(label, errno);
		int err = outcome(pwrite(fd, &value, sizeof(value), (off_t)&target_word) == sizeof(value));
		close(fd);
		return report(label, err);
	}
	fprintf(stderr, "probe: unknown action '%s'\n", action);
	return 2;
}
