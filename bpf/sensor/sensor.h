/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef VIGIL_SENSOR_H
#define VIGIL_SENSOR_H

#include <stdbool.h>
#include <unistd.h>
#include <linux/types.h>
#include "vigil_abi.h"

struct trace_bpf;
struct lsm_bpf;
struct bpf_map;

struct sensor {
	enum vigil_sensor_mode mode;
	char reason[512];
	__u32 ringbuf_bytes;
	struct trace_bpf *trace;
	struct lsm_bpf *lsm;
	struct bpf_map *events;
	struct bpf_map *counters;
};

enum mode_request { MODE_AUTO, MODE_TRACEPOINT, MODE_LSM };

int sensor_open(struct sensor *s, enum mode_request request, bool verbose);
void sensor_close(struct sensor *s);
int sensor_read_counters(struct sensor *s, __u64 *emitted, __u64 *dropped);
const char *lsm_list(char *buf, size_t size);

int drop_privileges(void);
void output_init(void);
int output_record(const void *record, __u32 size);
int output_flush(void);
int output_hello(enum vigil_sensor_mode mode, const char *reason, __u32 ringbuf_bytes, const char *release);
int output_stats(const __u64 *emitted, const __u64 *dropped);
int output_policy_ack(__u32 gen, __s32 error, __u32 rules, __u32 values, __u32 missing, const char *message);
int policy_read(struct sensor *s, int fd);
__s64 realtime_offset_ns(void);

void print_layout(void);

#endif
