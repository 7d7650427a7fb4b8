// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vigil-sensor: loads the sensor, streams framed records on stdout, stops on SIGTERM or when stdout closes. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include "sensor.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: vigil-sensor [--mode auto|lsm|tracepoint] [--ringbuf-mb N] [--drain-ms N] [--stats-ms N] [--verbose]\n"
		     "       vigil-sensor --probe     say which mode this host supports, and why\n"
		     "       vigil-sensor --layout    print the record layout as JSON\n");
}

static int on_record(void *ctx, void *data, size_t size)
{
	return output_record(data, size);
}

static __u64 now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static int write_stats(struct sensor *s)
{
	__u64 emitted[VIGIL_REC_KERNEL_KINDS], dropped[VIGIL_REC_KERNEL_KINDS];
	int err = sensor_read_counters(s, emitted, dropped);
	return err ? err : output_stats(emitted, dropped);
}

static int preflight(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "vigil-sensor: must run as root. It loads eBPF programs into the kernel, which needs\n"
				"CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN). Run it with sudo, or as the vigil-agent service.\n");
		return 2;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		fprintf(stderr, "vigil-sensor: this kernel has no BTF (/sys/kernel/btf/vmlinux is missing), which the\n"
				"sensor needs to run one binary on every kernel. Use a kernel built with\n"
				"CONFIG_DEBUG_INFO_BTF=y (the stock Debian, Ubuntu, Fedora and RHEL kernels are).\n");
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"mode", required_argument, NULL, 'm'},   {"ringbuf-mb", required_argument, NULL, 'r'},
		{"stats-ms", required_argument, NULL, 's'}, {"drain-ms", required_argument, NULL, 'd'},
		{"probe", no_argument, NULL, 'p'},
		{"layout", no_argument, NULL, 'l'},       {"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},         {0},
	};
	enum mode_request request = MODE_AUTO;
	struct sensor s = {.ringbuf_bytes = 16 << 20};
	/* Batched records wait at most drain_ms (attacks wake the loader at once): each wake-up costs the agent
	 * more than hundreds of records. */
	unsigned long stats_ms = 1000, drain_ms = 1000, ringbuf_mb = 16;
	bool probe = false, verbose = false;
	struct ring_buffer *rb = NULL;
	struct utsname uts;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (strcmp(optarg, "auto") == 0)
				request = MODE_AUTO;
			else if (strcmp(optarg, "lsm") == 0)
				request = MODE_LSM;
			else if (strcmp(optarg, "tracepoint") == 0)
				request = MODE_TRACEPOINT;
			else {
				fprintf(stderr, "vigil-sensor: --mode must be auto, lsm or tracepoint, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'r':
			ringbuf_mb = strtoul(optarg, NULL, 10);
			if (ringbuf_mb == 0 || ringbuf_mb > 1024 || (ringbuf_mb & (ringbuf_mb - 1))) {
				fprintf(stderr, "vigil-sensor: --ringbuf-mb must be a power of two from 1 to 1024, not '%s'\n",
					optarg);
				return 2;
			}
			s.ringbuf_bytes = ringbuf_mb << 20;
			break;
		case 's':
			stats_ms = strtoul(optarg, NULL, 10);
			if (stats_ms < 10) {
				fprintf(stderr, "vigil-sensor: --stats-ms must be at least 10\n");
				return 2;
			}
			break;
		case 'd':
			drain_ms = strtoul(optarg, NULL, 10);
			if (drain_ms < 1 || drain_ms > 10000) {
				fprintf(stderr, "vigil-sensor: --drain-ms must be from 1 to 10000\n");
				return 2;
			}
			break;
		case 'p':
			probe = true;
			break;
		case 'l':
			print_layout();
			return 0;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if ((err = preflight()))
		return err;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	uname(&uts);

	err = sensor_open(&s, request, verbose);
	if (probe) {
		printf("{\"mode\":\"%s\",\"reason\":\"%s\"}\n",
		       err ? "none" : s.mode == VIGIL_MODE_LSM ? "lsm" : "tracepoint", s.reason);
		sensor_close(&s);
		return err ? 1 : 0;
	}
	if (err) {
		fprintf(stderr, "vigil-sensor: cannot load the sensor: %s. %s\n", strerror(-err), s.reason);
		fprintf(stderr, "Run with --verbose to see the kernel verifier's log.\n");
		return 2;
	}
	fprintf(stderr, "vigil-sensor: %s mode: %s\n", s.mode == VIGIL_MODE_LSM ? "lsm" : "tracepoint", s.reason);

	output_init();
	rb = ring_buffer__new(bpf_map__fd(s.events), on_record, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "vigil-sensor: cannot open the ring buffer: %s\n", strerror(errno));
		sensor_close(&s);
		return 1;
	}
	if ((err = drop_privileges()))
		fprintf(stderr, "vigil-sensor: warning: keeps running as root: cannot drop its privileges (%s)\n",
			strerror(-err));
	else
		fprintf(stderr, "vigil-sensor: runs as nobody with CAP_BPF and CAP_DAC_READ_SEARCH only\n");
	err = output_hello(s.mode, s.reason, s.ringbuf_bytes, uts.release);
	if (!err)
		err = output_flush();

	/* Policy generations arrive on stdin (policy.c); at its end only the ring buffer is watched. */
	struct pollfd watch[2] = {{.fd = ring_buffer__epoll_fd(rb), .events = POLLIN}, {.fd = 0, .events = POLLIN}};
	nfds_t watched = 2;
	__u64 last_stats = now_ms();
	while (!err && !stopping) {
		err = poll(watch, watched, drain_ms) < 0 && errno != EINTR ? -errno : 0;
		if (!err && watched == 2 && watch[1].revents) {
			err = policy_read(&s, 0);
			if (err == 1) {
				watched = 1;
				err = 0;
			}
		}
		if (!err)
			err = ring_buffer__consume(rb); /* records below the wake-up threshold too */
		if (err >= 0)
			err = 0;
		if (!err && now_ms() - last_stats >= stats_ms) {
			err = write_stats(&s);
			last_stats = now_ms();
		}
		if (!err)
			err = output_flush();
	}
	if (!err) {
		err = ring_buffer__consume(rb);
		if (err >= 0)
			err = write_stats(&s);
		if (!err)
			err = output_flush();
	}
	ring_buffer__free(rb);
	sensor_close(&s);
	if (err == -EPIPE) {
		fprintf(stderr, "vigil-sensor: stdout closed, stopping\n");
		return 0;
	}
	if (err < 0) {
		fprintf(stderr, "vigil-sensor: stopped on error: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
