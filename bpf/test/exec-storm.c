// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* exec-storm [-j WORKERS] COUNT PATH [ARG...]: runs PATH COUNT times (spread over workers), prints JSON timing. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

extern char **environ;

static long run(long count, char **argv)
{
	long failed = 0;
	for (long i = 0; i < count; i++) {
		pid_t pid;
		int status;
		if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0 || waitpid(pid, &status, 0) < 0 ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	return failed;
}

int main(int argc, char **argv)
{
	int workers = 1, arg = 1;
	if (argc > 2 && strcmp(argv[1], "-j") == 0) {
		workers = atoi(argv[2]);
		arg = 3;
	}
	if (argc - arg < 2 || workers < 1) {
		fprintf(stderr, "usage: exec-storm [-j WORKERS] COUNT PATH [ARG...]\n");
		return 2;
	}
	long count = atol(argv[arg]);
	struct timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int w = 0; w < workers; w++) {
		long share = count / workers + (w < count % workers);
		if (fork() == 0)
			_exit(run(share, argv + arg + 1) ? 1 : 0);
	}
	int failed_workers = 0, status;
	while (wait(&status) > 0)
		failed_workers += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	clock_gettime(CLOCK_MONOTONIC, &end);
	double seconds = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
	printf("{\"execs\":%ld,\"workers\":%d,\"seconds\":%.6f,\"per_second\":%.1f,\"failed_workers\":%d}\n", count,
	       workers, seconds, count / seconds, failed_workers);
	return failed_workers ? 1 : 0;
}
