// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Picks the mode: the BPF LSM (KRSI) when it is active, loads and a canary hook fires; otherwise tracepoints. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "sensor.h"
#include "trace.skel.h"
#include "lsm.skel.h"

#define LSM_LIST "/sys/kernel/security/lsm"

static bool libbpf_verbose;

static int print_libbpf(enum libbpf_print_level level, const char *format, va_list args)
{
	if (!libbpf_verbose && level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, format, args);
}

/* The active LSMs, mounting securityfs if nobody has (minimal and container images often don't). */
const char *lsm_list(char *buf, size_t size)
{
	FILE *f = fopen(LSM_LIST, "r");
	if (!f && mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL) == 0)
		f = fopen(LSM_LIST, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static bool lsm_active(const char *list)
{
	char copy[512];
	snprintf(copy, sizeof(copy), "%s", list);
	for (char *save, *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save))
		if (strcmp(name, "bpf") == 0)
			return true;
	return false;
}

/* A wake-up per record costs more than the record; batching keeps the loader's share of CPU small. */
static __u64 wakeup_bytes(const struct sensor *s)
{
	__u64 eighth = s->ringbuf_bytes / 8;
	return eighth < 256 * 1024 ? eighth : 256 * 1024;
}

/* Runs the task iterator once: the processes that started before the hooks were attached join the kernel's table. */
static int seed_processes(struct bpf_program *prog)
{
	char buf[64];
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	if (!link)
		return -errno;
	int fd = bpf_iter_create(bpf_link__fd(link));
	int err = fd < 0 ? -errno : 0;
	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		;
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(link);
	return err;
}

/* What both objects need before load: ring buffer, wake-up threshold and scratch sized, the iterator left for
 * seed_processes. */
static void prepare(const struct sensor *s, struct bpf_map *events, volatile __u64 *wakeup, struct bpf_map *scratch,
		    struct bpf_map *claims, struct bpf_program *seed)
{
	bpf_map__set_max_entries(events, s->ringbuf_bytes);
	*wakeup = wakeup_bytes(s);
	bpf_map__set_max_entries(scratch, libbpf_num_possible_cpus() * VIGIL_SCRATCH_SLOTS);
	bpf_map__set_max_entries(claims, libbpf_num_possible_cpus() * VIGIL_SCRATCH_SLOTS);
	bpf_program__set_autoattach(seed, false);
}

static int open_lsm(struct sensor *s)
{
	char list[512];
	int err;

	if (!lsm_list(list, sizeof(list))) {
		snprintf(s->reason, sizeof(s->reason), "cannot read %.100s (securityfs is not mounted and could not be mounted)",
			 LSM_LIST);
		return -ENOENT;
	}
	if (!lsm_active(list)) {
		snprintf(s->reason, sizeof(s->reason),
			 "the BPF LSM is not active (active LSMs: %.200s); boot with lsm=%.200s,bpf to enforce", list, list);
		return -ENOTSUP;
	}
	s->lsm = lsm_bpf__open();
	if (!s->lsm) {
		snprintf(s->reason, sizeof(s->reason), "cannot open the LSM object: %s", strerror(errno));
		return -errno;
	}
	s->lsm->rodata->canary_tgid = getpid();
	prepare(s, s->lsm->maps.events, &s->lsm->rodata->wakeup_bytes, s->lsm->maps.scratch, s->lsm->maps.scratch_claims,
		s->lsm->progs.seed_processes);
	err = lsm_bpf__load(s->lsm);
	if (!err)
		err = lsm_bpf__attach(s->lsm);
	if (!err)
		err = seed_processes(s->lsm->progs.seed_processes);
	if (err) {
		snprintf(s->reason, sizeof(s->reason),
			 "BPF LSM is active but its programs cannot be loaded or attached here (%s)", strerror(-err));
		goto fail;
	}
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	if (s->lsm->bss->canary_hits == 0) {
		snprintf(s->reason, sizeof(s->reason), "BPF LSM programs attached but the canary hook did not fire");
		err = -EIO;
		goto fail;
	}
	s->mode = VIGIL_MODE_LSM;
	s->events = s->lsm->maps.events;
	s->counters = s->lsm->maps.counters;
	snprintf(s->reason, sizeof(s->reason), "BPF LSM active (%.400s), programs loaded, canary fired", list);
	return 0;
fail:
	lsm_bpf__destroy(s->lsm);
	s->lsm = NULL;
	return err;
}

/* The syscall tracepoints are found through tracefs: mounted here if nobody has (as for securityfs above). */
static void mount_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 || access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0)
		fprintf(stderr, "vigil-sensor: tracefs is not mounted and mounting it on /sys/kernel/tracing failed: %s\n",
			strerror(errno));
}

static int open_trace(struct sensor *s)
{
	int err;

	mount_tracefs();
	s->trace = trace_bpf__open();
	if (!s->trace)
		return -errno;
	prepare(s, s->trace->maps.events, &s->trace->rodata->wakeup_bytes, s->trace->maps.scratch, s->trace->maps.scratch_claims,
		s->trace->progs.seed_processes);
	err = trace_bpf__load(s->trace);
	if (!err)
		err = trace_bpf__attach(s->trace);
	if (!err)
		err = seed_processes(s->trace->progs.seed_processes);
	if (err) {
		trace_bpf__destroy(s->trace);
		s->trace = NULL;
		return err;
	}
	s->mode = VIGIL_MODE_TRACEPOINT;
	s->events = s->trace->maps.events;
	s->counters = s->trace->maps.counters;
	return 0;
}

int sensor_open(struct sensor *s, enum mode_request request, bool verbose)
{
	char lsm_reason[sizeof(s->reason)];
	int err;

	libbpf_verbose = verbose;
	libbpf_set_print(print_libbpf);
	if (request != MODE_TRACEPOINT) {
		bool quiet = !verbose;
		if (quiet)
			libbpf_set_print(NULL); /* a failed LSM probe is expected on many hosts: say it once, below */
		err = open_lsm(s);
		libbpf_set_print(print_libbpf);
		if (!err || request == MODE_LSM)
			return err;
	} else {
		snprintf(s->reason, sizeof(s->reason), "tracepoint mode requested");
	}
	snprintf(lsm_reason, sizeof(lsm_reason), "%s", s->reason);
	err = open_trace(s);
	if (err)
		return err;
	if (request == MODE_AUTO)
		snprintf(s->reason, sizeof(s->reason), "observe-only tracepoint mode: %.400s", lsm_reason);
	return 0;
}

void sensor_close(struct sensor *s)
{
	trace_bpf__destroy(s->trace);
	lsm_bpf__destroy(s->lsm);
	s->trace = NULL;
	s->lsm = NULL;
}

int sensor_read_counters(struct sensor *s, __u64 *emitted, __u64 *dropped)
{
	int cpus = libbpf_num_possible_cpus();
	__u64 values[cpus];

	if (cpus <= 0)
		return -EINVAL;
	for (__u32 type = 0; type < VIGIL_REC_KERNEL_KINDS; type++) {
		__u32 keys[2] = {type, VIGIL_REC_KERNEL_KINDS + type};
		__u64 *totals[2] = {&emitted[type], &dropped[type]};
		for (int k = 0; k < 2; k++) {
			*totals[k] = 0;
			if (bpf_map_lookup_elem(bpf_map__fd(s->counters), &keys[k], values))
				return -errno;
			for (int cpu = 0; cpu < cpus; cpu++)
				*totals[k] += values[cpu];
		}
	}
	return 0;
}
