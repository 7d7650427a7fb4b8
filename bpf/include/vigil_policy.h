/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The policy maps' layout, shared by the LSM object (src/policy.bpf.h) and the loader that fills them (sensor/policy.c). */
#ifndef VIGIL_POLICY_H
#define VIGIL_POLICY_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define POLICY_FIELDS 7
#define POLICY_MAX_POLICIES 64
#define POLICY_VALUES_MAX 262144

/* Field codes: the index in kernelFields (packages/policy). Paths are (dev, inode) identities, ids are b. */
enum policy_field { PF_EXE, PF_FILE, PF_TARGET, PF_UID, PF_EUID, PF_CGROUP, PF_SELF };
enum policy_side { SIDE_WHEN, SIDE_UNLESS };

/* The rules of one event type in one generation. */
struct policy_rules {
	__u32 gen;
	__u32 policies;
	__u64 when_uses[POLICY_FIELDS];   /* slots whose `when` tests the field */
	__u64 unless_uses[POLICY_FIELDS]; /* slots whose `unless` tests the field */
	__u64 has_unless;
	__u64 deny_enforce;
	__u64 deny_audit;
	__u64 allow;
	__u64 policy_slots[POLICY_MAX_POLICIES]; /* an allow excuses only within its own policy */
};

struct policy_key {
	__u32 gen;
	__u8 type;
	__u8 field;
	__u8 side;
	__u8 pad;
	__u64 a; /* dev, or 0 for an id */
	__u64 b; /* inode, or the id */
};

/*
 * exec's patterns that end in a slash and two stars: a trie of path prefixes behind a head that names the generation,
 * type, field and side.
 */
#define POLICY_PREFIX_HEAD 8
#define POLICY_PREFIX_PATH 248 /* the trie's keys hold 256 bytes: longer paths are compared on their first 248 */
#define POLICY_PREFIXES_MAX 8192

struct policy_prefix_key {
	__u32 prefixlen; /* bits of data that must match */
	__u8 data[POLICY_PREFIX_HEAD + POLICY_PREFIX_PATH]; /* gen (4, little-endian), type, field, side, 0, path */
};

#endif
