/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The enforceable rules of the policies in force, as the loader wrote them (bpf/sensor/policy.c), and the decision
 * they give. The rules of one event type are bit masks over their slots (at most 64 per type): a value a field may
 * have maps to the slots whose `when` (or `unless`) lists it, so a decision is a few hash lookups however many
 * rules there are. Files are (device, inode) values; exec's file also has path prefixes, in a trie. The compiler,
 * packages/policy/src/kernel-plan.ts, models the same computation and is tested against the user-space matcher.
 */
#ifndef VIGIL_POLICY_BPF_H
#define VIGIL_POLICY_BPF_H

#include "common.bpf.h"

#include "vigil_policy.h"

/* [(gen & 1) * VIGIL_REC_KERNEL_KINDS + type]: two generations, so the loader fills one while the other is in force. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * VIGIL_REC_KERNEL_KINDS);
	__type(key, __u32);
	__type(value, struct policy_rules);
} policy_rules SEC(".maps");

/* (gen, type, field, side, value) -> slots that list the value. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, POLICY_VALUES_MAX);
	__type(key, struct policy_key);
	__type(value, __u64);
} policy_values SEC(".maps");

/* Prefix -> slots whose exec `file` condition lists it (the longest listed prefix carries the shorter ones'). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, POLICY_PREFIXES_MAX);
	__type(key, struct policy_prefix_key);
	__type(value, __u64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} policy_prefixes SEC(".maps");

/* Per CPU: the executed file's path and the trie key built from it, larger than a hook's stack should hold. */
struct prefix_scratch {
	char path[4096];
	struct policy_prefix_key key;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct prefix_scratch);
} prefix_scratch SEC(".maps");

/* The generation in force; 0 = no policy. The loader switches generations with this one store. */
__u32 policy_gen = 0;

/* What a hook knows about the action, per field; `known` has a bit per field that has a value. */
struct facts {
	__u64 a[POLICY_FIELDS];
	__u64 b[POLICY_FIELDS];
	__u32 known;
	__u64 file_prefix[2]; /* [side]: slots the longest listed prefix of exec's file path carries */
	__u32 prefix_gen;     /* the generation file_prefix was looked up in */
};

static __always_inline void fact_inode(struct facts *f, __u32 field, struct inode *inode)
{
	if (!inode || field >= POLICY_FIELDS)
		return;
	f->a[field] = kernel_dev(inode);
	f->b[field] = BPF_CORE_READ(inode, i_ino);
	f->known |= 1U << field;
}

static __always_inline void fact_id(struct facts *f, __u32 field, __u64 id)
{
	if (field >= POLICY_FIELDS)
		return;
	f->a[field] = 0;
	f->b[field] = id;
	f->known |= 1U << field;
}

/* The acting process's uid, euid and cgroup. */
static __always_inline void fact_subject(struct facts *f, struct task_struct *task)
{
	fact_id(f, PF_UID, BPF_CORE_READ(task, cred, uid.val));
	fact_id(f, PF_EUID, BPF_CORE_READ(task, cred, euid.val));
	fact_id(f, PF_CGROUP, bpf_get_current_cgroup_id());
}

static __always_inline __u64 slots_listing(struct policy_key *k, const struct facts *f, __u32 field, __u32 side)
{
	if (field >= POLICY_FIELDS || !(f->known & (1U << field)))
		return 0;
	k->field = field;
	k->side = side;
	k->a = f->a[field];
	k->b = f->b[field];
	__u64 *slots = bpf_map_lookup_elem(&policy_values, k);
	__u64 listed = slots ? *slots : 0;
	if (field == PF_FILE && f->prefix_gen == k->gen)
		listed |= f->file_prefix[side & 1];
	return listed;
}

/* Fills f->file_prefix from the path of `file`, being executed. */
static __always_inline void fact_file_prefixes(struct facts *f, struct file *file, __u32 type)
{
	__u32 gen = policy_gen;
	__u32 zero = 0;
	struct prefix_scratch *s = bpf_map_lookup_elem(&prefix_scratch, &zero);
	if (!s || !gen)
		return;
	long n = bpf_d_path((struct path *)&file->f_path, s->path, sizeof(s->path));
	if (n <= 1)
		return; /* longer than PATH_MAX, or gone: no prefix is listed for it */
	__u32 len = n - 1;
	if (len > POLICY_PREFIX_PATH)
		len = POLICY_PREFIX_PATH;
	struct policy_prefix_key *k = &s->key;
	__builtin_memcpy(k->data, &gen, sizeof(gen));
	k->data[4] = type;
	k->data[5] = PF_FILE;
	k->data[7] = 0;
	bpf_probe_read_kernel(k->data + POLICY_PREFIX_HEAD, len, s->path);
	k->prefixlen = (POLICY_PREFIX_HEAD + len) * 8;
	for (__u32 side = SIDE_WHEN; side <= SIDE_UNLESS; side++) {
		k->data[6] = side;
		__u64 *slots = bpf_map_lookup_elem(&policy_prefixes, k);
		f->file_prefix[side] = slots ? *slots : 0;
	}
	f->prefix_gen = gen;
}

static __always_inline __u16 lowest_slot(__u64 x)
{
	__u16 n = 0;
	if (!(x & 0xffffffffULL)) { n += 32; x >>= 32; }
	if (!(x & 0xffffULL)) { n += 16; x >>= 16; }
	if (!(x & 0xffULL)) { n += 8; x >>= 8; }
	if (!(x & 0xfULL)) { n += 4; x >>= 4; }
	if (!(x & 0x3ULL)) { n += 2; x >>= 2; }
	if (!(x & 0x1ULL))
		n += 1;
	return n;
}

/*
 * A rule matches when every field its `when` tests lists the fact, and not every field its `unless` tests does.
 * A matching allow excuses its policy; then the first matching deny of an enforcing policy denies, else the first
 * matching deny of an audit-mode policy is the audit verdict.
 */
static __always_inline struct vigil_decision decide(__u32 type, const struct facts *f)
{
	struct vigil_decision d = {};
	__u32 gen = policy_gen;
	if (!gen)
		return d;
	__u32 at = (gen & 1) * VIGIL_REC_KERNEL_KINDS + (type & (VIGIL_REC_KERNEL_KINDS - 1));
	struct policy_rules *r = bpf_map_lookup_elem(&policy_rules, &at);
	if (!r || r->gen != gen)
		return d;
	__u64 rules = r->deny_enforce | r->deny_audit | r->allow;
	if (!rules)
		return d;

	struct policy_key k = {.gen = gen, .type = type};
	__u64 when_ok = ~0ULL, unless_all = r->has_unless;
	for (__u32 i = 0; i < POLICY_FIELDS; i++) {
		__u64 when_uses = r->when_uses[i], unless_uses = r->unless_uses[i];
		if (when_uses)
			when_ok &= slots_listing(&k, f, i, SIDE_WHEN) | ~when_uses;
		if (unless_uses)
			unless_all &= slots_listing(&k, f, i, SIDE_UNLESS) | ~unless_uses;
	}
	__u64 matched = rules & when_ok & ~unless_all;
	__u64 allowed = matched & r->allow;
	for (__u32 p = 0; allowed && p < POLICY_MAX_POLICIES && p < r->policies; p++)
		if (allowed & r->policy_slots[p])
			matched &= ~r->policy_slots[p];

	__u64 deny = matched & r->deny_enforce;
	d.verdict = VIGIL_VERDICT_DENIED;
	if (!deny) {
		deny = matched & r->deny_audit;
		d.verdict = VIGIL_VERDICT_AUDIT;
	}
	if (!deny) {
		d.verdict = VIGIL_VERDICT_NONE;
		return d;
	}
	d.policy_gen = gen;
	d.rule = lowest_slot(deny);
	return d;
}

#endif
