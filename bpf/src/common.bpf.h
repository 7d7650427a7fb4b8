/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What every sensor object shares: the record buffer, the ring buffer, counters, and path walking. */
#ifndef VIGIL_COMMON_BPF_H
#define VIGIL_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vigil_abi.h"

#define SCRATCH_SIZE (2 * VIGIL_RECORD_MAX)
#define OFF_MASK (VIGIL_RECORD_MAX - 1)
#define NAME_MAX_LEN 256
#define WALK_DEPTH 48
#define WALK_BUDGET 4096
#define ARGV_MAX 16384
#define FILENAME_MAX_LEN 2048
#define INTERP_MAX_LEN 512
#define EPERM 1

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Records to user space; the loader sets its size. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

/*
 * Records under construction, VIGIL_SCRATCH_SLOTS per CPU (the loader sizes both maps): larger than the BPF stack,
 * and larger than the 32 KiB a per-CPU map value may have. A program claims its slot, because on a preemptible
 * kernel another one can run on the same CPU before it ends (LSM hooks run with only migration disabled).
 */
struct scratch {
	char buf[SCRATCH_SIZE];
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* [slot] != 0: the slot holds a record under construction. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} scratch_claims SEC(".maps");

/* [type] = records emitted, [VIGIL_REC_KERNEL_KINDS + type] = records the ring buffer had no room for. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * VIGIL_REC_KERNEL_KINDS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Wake the loader only once this much is waiting: it also drains on a short timer, so nothing waits long. */
const volatile __u64 wakeup_bytes = 0;

static __always_inline void count(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&counters, &slot);
	if (n)
		*n += 1;
}

static __always_inline char *scratch_at(__u32 slot)
{
	return bpf_map_lookup_elem(&scratch, &slot);
}

/*
 * Claims a free slot of this CPU and returns its record, its index in *slot (to release); NULL when every slot is
 * taken, counted as a drop of `type`, never silent.
 */
static __always_inline char *scratch_claim(__u32 type, __u32 *slot)
{
	__u32 first = bpf_get_smp_processor_id() * VIGIL_SCRATCH_SLOTS;

	for (__u32 i = 0; i < VIGIL_SCRATCH_SLOTS; i++) {
		__u32 at = first + i;
		__u32 *claim = bpf_map_lookup_elem(&scratch_claims, &at);
		if (!claim || __sync_lock_test_and_set(claim, 1) != 0)
			continue;
		char *rec = scratch_at(at);
		if (!rec) {
			__sync_lock_test_and_set(claim, 0);
			break;
		}
		*slot = at;
		return rec;
	}
	count(VIGIL_REC_KERNEL_KINDS + type);
	return NULL;
}

static __always_inline void scratch_release(__u32 slot)
{
	__u32 *claim = bpf_map_lookup_elem(&scratch_claims, &slot);
	if (claim)
		__sync_lock_test_and_set(claim, 0);
}

static __always_inline void fill_header(struct vigil_header *h, __u16 type)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	h->type = type;
	h->flags = 0;
	h->ktime_ns = bpf_ktime_get_boot_ns();
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->uid = BPF_CORE_READ(task, cred, uid.val);
	h->euid = BPF_CORE_READ(task, cred, euid.val);
	h->gid = BPF_CORE_READ(task, cred, gid.val);
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/*
 * Attacks wake the loader at once. The exec/fork/exit stream waits for the loader's drain timer or for
 * wakeup_bytes to pile up: a wake-up costs the agent more than hundreds of records.
 */
static __always_inline bool urgent(const void *rec, __u32 type)
{
	if (type == VIGIL_REC_PTRACE || type == VIGIL_REC_MEM_WRITE)
		return true;
	return type == VIGIL_REC_UNLINK && ((const struct vigil_unlink *)rec)->running > 0;
}

/*
 * Sends the first `size` bytes of a record, waking the loader when `wake` or when enough waits; a full ring buffer
 * is counted, never silent.
 */
static __always_inline void emit_waking(void *rec, __u32 size, bool wake)
{
	struct vigil_header *h = rec;
	__u32 type = h->type & (VIGIL_REC_KERNEL_KINDS - 1);

	if (size > VIGIL_RECORD_MAX)
		size = VIGIL_RECORD_MAX;
	h->size = size;
	__u64 wakeup = wake || urgent(rec, type) || bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes
			       ? BPF_RB_FORCE_WAKEUP
			       : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&events, rec, size, wakeup) == 0)
		count(type);
	else
		count(VIGIL_REC_KERNEL_KINDS + type);
}

static __always_inline void emit(void *rec, __u32 size)
{
	emit_waking(rec, size, false);
}

static __always_inline __u32 put_user_str(char *rec, __u32 off, const char *src, __u32 max)
{
	long n = bpf_probe_read_user_str(rec + (off & OFF_MASK), max, src);
	return n > 0 ? n : 0;
}

static __always_inline __u32 put_kernel_str(char *rec, __u32 off, const char *src, __u32 max)
{
	long n = bpf_probe_read_kernel_str(rec + (off & OFF_MASK), max, src);
	return n > 0 ? n : 0;
}

struct walk {
	__u32 len;
	bool truncated;
	bool detached;
};

#define WALK_TRUNCATED (1U << 16)
#define WALK_DETACHED (1U << 17)

/*
 * Writes the components of (dentry, mnt) leaf first, crossing mount points to the root of the mount tree:
 * the bounded walk d_path does (bpf_d_path is not allowed from tracepoints). A global function, so the
 * verifier checks it once rather than once per path of every caller. Returns len | WALK_* flags.
 */
__noinline int walk_path_global(struct scratch *rec, __u32 off, __u64 dentry_ptr, __u64 vfsmnt_ptr)
{
	struct dentry *dentry = (struct dentry *)dentry_ptr;
	struct vfsmount *vfsmnt = (struct vfsmount *)vfsmnt_ptr;
	struct mount *mnt = container_of(vfsmnt, struct mount, mnt);
	__u32 len = 0;

	if (!rec)
		return 0;
	for (int i = 0; i < WALK_DEPTH; i++) {
		struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);

		if (dentry == mnt_root) {
			struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);
			if (mnt == mnt_parent || !mnt_parent)
				return len;
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = mnt_parent;
			vfsmnt = &mnt->mnt;
			continue;
		}
		if (len > WALK_BUDGET - NAME_MAX_LEN)
			return len | WALK_TRUNCATED;
		long n = bpf_probe_read_kernel_str(rec->buf + ((off + len) & OFF_MASK), NAME_MAX_LEN,
						   BPF_CORE_READ(dentry, d_name.name));
		if (n > 0)
			len = (len + n) & (2 * WALK_BUDGET - 1); /* len + n <= WALK_BUDGET: the mask only keeps the bound */
		if (dentry == parent || !parent)
			return len | WALK_DETACHED;
		dentry = parent;
	}
	return len | WALK_TRUNCATED;
}

/* A pointer's value as a plain number: global functions refuse the trusted pointers tp_btf programs get. */
static __always_inline __u64 scalar_of(const void *ptr)
{
	__u64 value = 0;
	bpf_probe_read_kernel(&value, sizeof(value), &ptr);
	return value;
}

static __always_inline struct walk walk_path(char *rec, __u32 off, struct dentry *dentry, struct vfsmount *vfsmnt)
{
	int r = walk_path_global((struct scratch *)rec, off, scalar_of(dentry), scalar_of(vfsmnt));
	struct walk w = {
		.len = r & (2 * WALK_BUDGET - 1),
		.truncated = r & WALK_TRUNCATED,
		.detached = r & WALK_DETACHED,
	};
	return w;
}

static __always_inline __u32 kernel_dev(struct inode *inode)
{
	return BPF_CORE_READ(inode, i_sb, s_dev);
}

#define PROC_SUPER_MAGIC 0x9fa0

struct inode___pre67 {
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));

static __always_inline __u64 mtime_ns(struct inode *inode)
{
	if (bpf_core_field_exists(inode->i_mtime_sec))
		return BPF_CORE_READ(inode, i_mtime_sec) * 1000000000ULL + BPF_CORE_READ(inode, i_mtime_nsec);
	struct inode___pre67 *old = (void *)inode;
	return BPF_CORE_READ(old, i_mtime.tv_sec) * 1000000000ULL + BPF_CORE_READ(old, i_mtime.tv_nsec);
}

/* The target pid when `f` is a /proc/<pid>/mem (or /proc/<pid>/task/<tid>/mem) file, else 0. */
static __always_inline __u32 proc_mem_target(struct file *f)
{
	if (!f)
		return 0;
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	if (BPF_CORE_READ(inode, i_sb, s_magic) != PROC_SUPER_MAGIC)
		return 0;
	char name[4] = {};
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(f, f_path.dentry, d_name.name));
	if (name[0] != 'm' || name[1] != 'e' || name[2] != 'm' || name[3] != 0)
		return 0;
	struct proc_inode *pi = container_of(inode, struct proc_inode, vfs_inode);
	return BPF_CORE_READ(pi, pid, numbers[0].nr);
}

/* An exec record up to its argv: identity of the executable `exe`, filename, interpreter, exe path and cwd.
 * Returns the offset where argv goes; how argv is read depends on the hook. */
static __always_inline __u32 fill_exec(char *rec, struct task_struct *task, struct linux_binprm *bprm, struct file *exe)
{
	struct vigil_exec *e = (void *)rec;
	fill_header(&e->hdr, VIGIL_REC_EXEC);
	e->decision = (struct vigil_decision){};

	struct inode *inode = BPF_CORE_READ(exe, f_inode);
	e->exe_ino = BPF_CORE_READ(inode, i_ino);
	e->exe_dev = kernel_dev(inode);
	e->exe_nlink = BPF_CORE_READ(inode, __i_nlink);
	e->exe_mtime_ns = mtime_ns(inode);
	e->argc = BPF_CORE_READ(bprm, argc);
	e->pad = 0;

	__u32 off = sizeof(*e);
	const char *filename = BPF_CORE_READ(bprm, filename);
	const char *interp = BPF_CORE_READ(bprm, interp);
	__u32 n = put_kernel_str(rec, off, filename, FILENAME_MAX_LEN);
	if (n == FILENAME_MAX_LEN)
		e->hdr.flags |= VIGIL_F_FILENAME_TRUNCATED;
	e->filename_len = n;
	off += n;

	n = 0;
	if (interp != filename) {
		n = put_kernel_str(rec, off, interp, INTERP_MAX_LEN);
		if (n == INTERP_MAX_LEN)
			e->hdr.flags |= VIGIL_F_INTERP_TRUNCATED;
	}
	e->interp_len = n;
	off += n;

	struct walk w = walk_path(rec, off, BPF_CORE_READ(exe, f_path.dentry), BPF_CORE_READ(exe, f_path.mnt));
	if (w.truncated)
		e->hdr.flags |= VIGIL_F_EXE_TRUNCATED;
	if (w.detached)
		e->hdr.flags |= VIGIL_F_EXE_DETACHED;
	e->exe_len = w.len;
	off += w.len;

	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	w = walk_path(rec, off, BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt));
	if (w.truncated)
		e->hdr.flags |= VIGIL_F_CWD_TRUNCATED;
	e->cwd_len = w.len;
	off += w.len;

	return off;
}

/* An unlink record whose path is walked from the dentry to its filesystem's root (inode hooks know no mount).
 * Returns the record's size. */
static __always_inline __u32 fill_walked_unlink(char *rec, struct dentry *dentry, __u32 running, __u32 op,
						 struct vigil_decision decision)
{
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	struct vigil_unlink *u = (void *)rec;

	fill_header(&u->hdr, VIGIL_REC_UNLINK);
	u->hdr.flags = VIGIL_F_INODE_KNOWN | VIGIL_F_PATH_WALKED;
	u->ino = BPF_CORE_READ(inode, i_ino);
	u->dev = kernel_dev(inode);
	u->running = running;
	u->op = op;
	u->result = decision.verdict == VIGIL_VERDICT_DENIED ? -EPERM : 0;
	u->pad = 0;
	u->decision = decision;
	struct walk w = walk_path(rec, sizeof(*u), dentry, NULL);
	if (w.truncated)
		u->hdr.flags |= VIGIL_F_PATH_TRUNCATED;
	u->path_len = w.len;
	u->dir_len = 0;
	return sizeof(*u) + w.len;
}

#endif
