// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Policy generations from the agent, read on stdin (the commands planCommands writes in
 * packages/policy/src/kernel-plan.ts), into the LSM object's maps. A generation is written beside the one in force,
 * switched to with one store, and the old one removed after: a hook sees one generation or the other, never a mix.
 * A generation that fails leaves the one in force untouched. Each commit is answered with a VIGIL_REC_POLICY record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sensor.h"
#include "vigil_policy.h"
#include "lsm.skel.h"

#define MAX_SLOTS 64
#define LINE_MAX_BYTES 65536
#define FIELD_BITS ((1U << POLICY_FIELDS) - 1)

struct generation {
	__u32 gen;
	struct policy_key *keys; /* the values written, to remove them when the generation goes */
	size_t nkeys, cap;
	struct policy_prefix_key *prefixes; /* likewise the prefixes */
	size_t nprefixes, prefixes_cap;
};

static struct {
	bool open;
	int line;
	char error[256];
	__u32 rules_count, missing;
	struct policy_rules rules[VIGIL_REC_KERNEL_KINDS];
	struct generation next;
} plan;
static struct generation active;
static char line[LINE_MAX_BYTES];
static size_t line_len;
static bool line_too_long;

static int fail(const char *fmt, const char *what)
{
	if (!plan.error[0])
		snprintf(plan.error, sizeof(plan.error), fmt, plan.line, what);
	return -EINVAL;
}

static void remove_values(struct sensor *s, struct generation *g)
{
	int fd = bpf_map__fd(s->lsm->maps.policy_values);
	for (size_t i = 0; i < g->nkeys; i++)
		bpf_map_delete_elem(fd, &g->keys[i]);
	fd = bpf_map__fd(s->lsm->maps.policy_prefixes);
	for (size_t i = 0; i < g->nprefixes; i++)
		bpf_map_delete_elem(fd, &g->prefixes[i]);
	free(g->keys);
	free(g->prefixes);
	memset(g, 0, sizeof(*g));
}

static bool parse_u64(const char *text, int base, __u64 max, __u64 *out)
{
	char *end;
	if (!text || !*text)
		return false;
	errno = 0;
	unsigned long long v = strtoull(text, &end, base);
	if (errno || *end || v > max || text[0] == '-')
		return false;
	*out = v;
	return true;
}

static bool known_type(__u64 type)
{
	return type == VIGIL_REC_EXEC || type == VIGIL_REC_UNLINK || type == VIGIL_REC_PTRACE ||
	       type == VIGIL_REC_MEM_WRITE;
}

/* Room for one more of `count` items of `size` bytes in a growing array. */
static bool room_for_one(void **items, size_t count, size_t *cap, size_t size)
{
	if (count < *cap)
		return true;
	size_t more = *cap ? *cap * 2 : 64;
	void *grown = realloc(*items, more * size);
	if (!grown)
		return false;
	*items = grown;
	*cap = more;
	return true;
}

static int add_value(struct sensor *s, struct policy_key *key, __u64 slots)
{
	int fd = bpf_map__fd(s->lsm->maps.policy_values);
	__u64 have = 0;
	bool fresh = bpf_map_lookup_elem(fd, key, &have) != 0;
	struct generation *g = &plan.next;

	if (fresh && g->nkeys >= POLICY_VALUES_MAX / 2)
		return fail("policy line %d: more than 131072 values in one generation%s", "");
	if (fresh && !room_for_one((void **)&g->keys, g->nkeys, &g->cap, sizeof(*g->keys)))
		return fail("policy line %d: out of memory%s", "");
	have |= slots;
	if (bpf_map_update_elem(fd, key, &have, BPF_ANY) != 0)
		return fail("policy line %d: cannot write the value into the kernel: %s", strerror(errno));
	if (fresh)
		g->keys[g->nkeys++] = *key;
	return 0;
}

/* A prefix of the paths exec's file may have (the compiler merged every rule listing it into `slots`). */
static int add_prefix(struct sensor *s, __u64 type, __u64 field, int side, __u64 slots, const char *path)
{
	struct generation *g = &plan.next;
	struct policy_prefix_key key = {0};
	size_t len = strlen(path);

	if (len > POLICY_PREFIX_PATH)
		return fail("policy line %d: a prefix is at most 248 bytes%s", "");
	if (g->nprefixes >= POLICY_PREFIXES_MAX / 2)
		return fail("policy line %d: more than 4096 prefixes in one generation%s", "");
	if (!room_for_one((void **)&g->prefixes, g->nprefixes, &g->prefixes_cap, sizeof(*g->prefixes)))
		return fail("policy line %d: out of memory%s", "");
	memcpy(key.data, &g->gen, sizeof(g->gen));
	key.data[4] = type;
	key.data[5] = field;
	key.data[6] = side;
	memcpy(key.data + POLICY_PREFIX_HEAD, path, len);
	key.prefixlen = (POLICY_PREFIX_HEAD + len) * 8;
	if (bpf_map_update_elem(bpf_map__fd(s->lsm->maps.policy_prefixes), &key, &slots, BPF_NOEXIST) != 0)
		return fail("policy line %d: cannot write the prefix into the kernel: %s", strerror(errno));
	g->prefixes[g->nprefixes++] = key;
	return 0;
}

/* rule <type> <slot> <deny|allow> <enforce|audit> <policy> <when field bits> <unless field bits> */
static int rule(char **arg)
{
	__u64 type, slot, policy, when, unless;
	if (!parse_u64(arg[0], 10, 255, &type) || !known_type(type))
		return fail("policy line %d: '%s' is not an event type code (1, 4, 5 or 6)", arg[0] ? arg[0] : "");
	if (!parse_u64(arg[1], 10, MAX_SLOTS - 1, &slot) || !parse_u64(arg[4], 10, POLICY_MAX_POLICIES - 1, &policy))
		return fail("policy line %d: slot and policy must be numbers below 64%s", "");
	if (!parse_u64(arg[5], 10, FIELD_BITS, &when) || !parse_u64(arg[6], 10, FIELD_BITS, &unless))
		return fail("policy line %d: field bits must be numbers below 128%s", "");
	if (!arg[2] || !arg[3] || (strcmp(arg[3], "enforce") && strcmp(arg[3], "audit")))
		return fail("policy line %d: the mode must be enforce or audit%s", "");
	struct policy_rules *r = &plan.rules[type];
	__u64 bit = 1ULL << slot;
	if (strcmp(arg[2], "allow") == 0)
		r->allow |= bit;
	else if (strcmp(arg[2], "deny") == 0 && strcmp(arg[3], "enforce") == 0)
		r->deny_enforce |= bit;
	else if (strcmp(arg[2], "deny") == 0)
		r->deny_audit |= bit;
	else
		return fail("policy line %d: the action must be deny or allow, not '%s'", arg[2]);
	for (int f = 0; f < POLICY_FIELDS; f++) {
		if (when & (1U << f))
			r->when_uses[f] |= bit;
		if (unless & (1U << f))
			r->unless_uses[f] |= bit;
	}
	if (unless)
		r->has_unless |= bit;
	r->policy_slots[policy] |= bit;
	if (r->policies < policy + 1)
		r->policies = policy + 1;
	plan.rules_count++;
	return 0;
}

static bool unhex(const char *hex, char *out, size_t size)
{
	size_t n = strlen(hex);
	if (n == 0 || n % 2 || n / 2 >= size)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		char byte[3] = {hex[2 * i], hex[2 * i + 1], 0};
		__u64 v;
		if (!parse_u64(byte, 16, 255, &v) || v == 0)
			return false;
		out[i] = (char)v;
	}
	out[n / 2] = 0;
	return true;
}

/* path|prefix|id <type> <when|unless> <field> <slots hex> <path hex | prefix hex | id> */
static int value(struct sensor *s, const char *kind, char **arg)
{
	bool is_path = strcmp(kind, "path") == 0, is_prefix = strcmp(kind, "prefix") == 0;
	__u64 type, field, slots;
	struct policy_key key = {.gen = plan.next.gen};
	if (!parse_u64(arg[0], 10, 255, &type) || !known_type(type))
		return fail("policy line %d: '%s' is not an event type code (1, 4, 5 or 6)", arg[0] ? arg[0] : "");
	if (!arg[1] || (strcmp(arg[1], "when") && strcmp(arg[1], "unless")))
		return fail("policy line %d: the side must be when or unless%s", "");
	if (!parse_u64(arg[2], 10, POLICY_FIELDS - 1, &field) || !parse_u64(arg[3], 16, ~0ULL, &slots))
		return fail("policy line %d: a field code below 7 and slots in hex are expected%s", "");
	key.type = type;
	key.side = strcmp(arg[1], "when") == 0 ? SIDE_WHEN : SIDE_UNLESS;
	key.field = field;
	if (is_prefix) {
		char prefix[POLICY_PREFIX_PATH + 2];
		if (type != VIGIL_REC_EXEC || field != PF_FILE)
			return fail("policy line %d: prefixes are for exec's file (type 1, field 1)%s", "");
		if (!arg[4] || !unhex(arg[4], prefix, sizeof(prefix)))
			return fail("policy line %d: the prefix must be hex-encoded bytes, at most 248%s", "");
		return add_prefix(s, type, field, key.side, slots, prefix);
	}
	if (is_path) {
		char path[4096];
		struct stat st;
		if (!arg[4] || !unhex(arg[4], path, sizeof(path)))
			return fail("policy line %d: the path must be hex-encoded bytes%s", "");
		if (stat(path, &st) != 0) {
			plan.missing++; /* gone since the agent listed it: nothing there to match */
			return 0;
		}
		key.a = (__u64)major(st.st_dev) << 20 | minor(st.st_dev); /* the kernel's dev_t */
		key.b = st.st_ino;
	} else if (!parse_u64(arg[4], 10, ~0ULL, &key.b)) {
		return fail("policy line %d: '%s' is not a number", arg[4] ? arg[4] : "");
	}
	return add_value(s, &key, slots);
}

static int begin(struct sensor *s, const char *text)
{
	__u64 gen;
	remove_values(s, &plan.next); /* a generation begun and never committed */
	memset(&plan.rules, 0, sizeof(plan.rules));
	plan.rules_count = plan.missing = 0;
	plan.error[0] = 0;
	plan.open = true;
	if (!parse_u64(text, 10, 0xffffffffULL, &gen) || gen == 0)
		return fail("policy line %d: begin needs a generation number from 1, not '%s'", text ? text : "");
	plan.next.gen = gen; /* the answer names it, applied or not */
	/* The two generations alternate between the two halves of policy_rules. */
	if (active.gen && ((gen ^ active.gen) & 1) == 0)
		return fail("policy line %d: generation %s must differ in parity from the one in force", text);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int commit(struct sensor *s)
{
	__u32 gen = plan.next.gen;
	int err = 0;
	if (!plan.open)
		fail("policy line %d: commit without begin%s", "");
	if (!plan.error[0]) {
		int fd = bpf_map__fd(s->lsm->maps.policy_rules);
		for (__u32 type = 0; type < VIGIL_REC_KERNEL_KINDS && !err; type++) {
			__u32 at = (gen & 1) * VIGIL_REC_KERNEL_KINDS + type;
			plan.rules[type].gen = gen;
			if (bpf_map_update_elem(fd, &at, &plan.rules[type], BPF_ANY) != 0)
				err = fail("policy line %d: cannot write the rules into the kernel: %s", strerror(errno));
		}
	}
	plan.open = false;
	if (plan.error[0]) {
		remove_values(s, &plan.next);
		fprintf(stderr, "vigil-sensor: policy generation %u not applied: %s\n", gen, plan.error);
		return output_policy_ack(gen, -EINVAL, 0, 0, 0, plan.error);
	}
	__atomic_store_n(&s->lsm->bss->policy_gen, gen, __ATOMIC_SEQ_CST);
	/* A hook that read the old generation just before the switch finishes within microseconds. */
	sleep_ms(20);
	remove_values(s, &active);
	active = plan.next;
	memset(&plan.next, 0, sizeof(plan.next));
	fprintf(stderr, "vigil-sensor: policy generation %u applied: %u rules, %zu values, %zu prefixes, %u paths gone\n",
		gen, plan.rules_count, active.nkeys, active.nprefixes, plan.missing);
	return output_policy_ack(gen, 0, plan.rules_count, active.nkeys, plan.missing, "");
}

static int command(struct sensor *s, char *text)
{
	char *arg[8] = {0}, *save;
	int n = 0;
	plan.line++;
	for (char *word = strtok_r(text, " ", &save); word && n < 8; word = strtok_r(NULL, " ", &save))
		arg[n++] = word;
	if (n == 0)
		return 0;
	if (s->mode != VIGIL_MODE_LSM)
		return strcmp(arg[0], "commit") == 0
			       ? output_policy_ack(0, -EOPNOTSUPP, 0, 0, 0,
						   "tracepoint mode cannot enforce: rules are reported, not applied")
			       : 0;
	if (strcmp(arg[0], "commit") == 0)
		return commit(s);
	if (strcmp(arg[0], "begin") == 0) {
		plan.line = 1;
		begin(s, arg[1]);
		return 0;
	}
	if (!plan.open) {
		fail("policy line %d: '%s' outside begin ... commit", arg[0]);
		return output_policy_ack(0, -EINVAL, 0, 0, 0, plan.error);
	}
	if (plan.error[0])
		return 0; /* the generation already failed; its commit says why */
	if (strcmp(arg[0], "rule") == 0)
		rule(arg + 1);
	else if (strcmp(arg[0], "path") == 0 || strcmp(arg[0], "prefix") == 0 || strcmp(arg[0], "id") == 0)
		value(s, arg[0], arg + 1);
	else
		fail("policy line %d: unknown command '%s' (begin, rule, path, prefix, id, commit)", arg[0]);
	return 0;
}

/* Reads what stdin has; runs each complete line. Returns 1 at end of input, 0, or -errno when the output fails. */
int policy_read(struct sensor *s, int fd)
{
	char buf[16384];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n <= 0)
		return n == 0 || errno != EAGAIN ? 1 : 0;
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (line_len < sizeof(line) - 1)
				line[line_len++] = buf[i];
			else
				line_too_long = true;
			continue;
		}
		line[line_len] = 0;
		int err = 0;
		if (line_too_long) {
			plan.line++;
			fail("policy line %d: longer than 65535 bytes%s", "");
		} else {
			err = command(s, line);
		}
		line_len = 0;
		line_too_long = false;
		if (err)
			return err;
	}
	return 0;
}
