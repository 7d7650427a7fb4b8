// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The framed record stream on stdout: magic, length, record. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "sensor.h"

static char stdout_buffer[1 << 20];

void output_init(void)
{
	setvbuf(stdout, stdout_buffer, _IOFBF, sizeof(stdout_buffer));
}

int output_record(const void *record, __u32 size)
{
	__u32 frame[2] = {VIGIL_FRAME_MAGIC, size};
	if (fwrite(frame, sizeof(frame), 1, stdout) != 1 || fwrite(record, size, 1, stdout) != 1)
		return -EPIPE;
	return 0;
}

int output_flush(void)
{
	return fflush(stdout) == 0 ? 0 : -EPIPE;
}

static __u64 clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void loader_header(struct vigil_header *h, __u16 type, __u32 size)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->size = size;
	h->ktime_ns = clock_ns(CLOCK_BOOTTIME);
	h->pid = h->tid = getpid();
	memcpy(h->comm, "vigil-sensor", sizeof("vigil-sensor"));
}

__s64 realtime_offset_ns(void)
{
	return (__s64)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME));
}

int output_hello(enum vigil_sensor_mode mode, const char *reason, __u32 ringbuf_bytes, const char *release)
{
	char record[sizeof(struct vigil_hello) + 1024 + 256];
	struct vigil_hello *hello = (void *)record;
	size_t reason_len = strnlen(reason, 1023) + 1;
	size_t release_len = strnlen(release, 255) + 1;
	__u32 size = sizeof(*hello) + reason_len + release_len;

	loader_header(&hello->hdr, VIGIL_REC_HELLO, size);
	hello->realtime_offset_ns = realtime_offset_ns();
	hello->abi_version = VIGIL_ABI_VERSION;
	hello->mode = mode;
	hello->ringbuf_bytes = ringbuf_bytes;
	hello->reason_len = reason_len;
	hello->release_len = release_len;
	memcpy(record + sizeof(*hello), reason, reason_len - 1);
	record[sizeof(*hello) + reason_len - 1] = 0;
	memcpy(record + sizeof(*hello) + reason_len, release, release_len - 1);
	record[size - 1] = 0;
	return output_record(record, size);
}

int output_stats(const __u64 *emitted, const __u64 *dropped)
{
	struct vigil_stats stats;

	loader_header(&stats.hdr, VIGIL_REC_STATS, sizeof(stats));
	stats.realtime_offset_ns = realtime_offset_ns();
	memcpy(stats.emitted, emitted, sizeof(stats.emitted));
	memcpy(stats.dropped, dropped, sizeof(stats.dropped));
	return output_record(&stats, sizeof(stats));
}

int output_policy_ack(__u32 gen, __s32 error, __u32 rules, __u32 values, __u32 missing, const char *message)
{
	char record[sizeof(struct vigil_policy_ack) + 512];
	struct vigil_policy_ack *ack = (void *)record;
	size_t message_len = strnlen(message, 511) + 1;
	__u32 size = sizeof(*ack) + message_len;

	loader_header(&ack->hdr, VIGIL_REC_POLICY, size);
	ack->policy_gen = gen;
	ack->error = error;
	ack->rules = rules;
	ack->values = values;
	ack->missing = missing;
	ack->message_len = message_len;
	ack->pad = 0;
	memcpy(record + sizeof(*ack), message, message_len - 1);
	record[size - 1] = 0;
	int err = output_record(record, size);
	return err ? err : output_flush();
}
