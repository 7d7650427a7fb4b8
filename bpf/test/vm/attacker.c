// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Runs inside the test VM: attaches to a child with PTRACE_ATTACH, then writes into it through /proc/PID/mem. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

static volatile long target_word = 1; /* same address in the child: a static, non-PIE binary */

int main(void)
{
	pid_t child = fork();
	if (child == 0) {
		while (target_word == 1)
			pause();
		_exit(0);
	}
	usleep(200000);
	if (ptrace(PTRACE_ATTACH, child, NULL, NULL) != 0) {
		perror("attacker: PTRACE_ATTACH");
		return 1;
	}
	waitpid(child, NULL, 0);
	ptrace(PTRACE_DETACH, child, NULL, NULL);

	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", child);
	int fd = open(path, O_RDWR);
	long value = 2;
	if (fd < 0 || pwrite(fd, &value, sizeof(value), (long)&target_word) != sizeof(value)) {
		perror("attacker: write to /proc/PID/mem");
		return 1;
	}
	close(fd);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	printf("attacker: attached to and wrote into %d\n", child);
	return 0;
}
