// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* LSM mode (KRSI): the same records as tracepoint mode, from BPF LSM hooks. Observe-only for now: every hook allows. */
#include "processes.bpf.h"

#define FMODE_WRITE 0x2
#define PTRACE_MODE_ATTACH 0x02
#define PTRACE_TRACEME 0
#define PTRACE_ATTACH 16

/* The loader's mode probe: it sets canary_tgid to its own pid, opens a file after attach and expects a hit. */
const volatile __u32 canary_tgid = 0;
__u64 canary_hits = 0;

/* ---- exec ---- */

struct argv_walk {
	unsigned long p; /* next string in the new mm */
	__u32 slot;
	__u32 off;
	__u32 len;
	bool truncated;
};

/* bpf_loop callback: appends one argument; stops at the first one that is unreadable or does not fit. */
static long put_arg(__u64 i, void *ctx)
{
	struct argv_walk *a = ctx;
	char *rec = scratch_at(a->slot);
	__u32 len = a->len;

	if (!rec || len >= ARGV_MAX) {
		a->truncated = true;
		return 1;
	}
	__u32 room = ARGV_MAX - len;
	long n = bpf_probe_read_user_str(rec + ((a->off + len) & OFF_MASK), room, (const char *)a->p);
	if (n <= 0) {
		a->truncated = true;
		return 1;
	}
	a->len = len + n;
	a->p += n;
	if (n == room) {
		a->truncated = true;
		return 1;
	}
	return 0;
}

/*
 * bprm_committed_creds: past the point of no return, with current->mm, exe_file, argc and creds final. A void hook:
 * an exec verdict will need bprm_check_security. mm->arg_start is set later (setup_arg_pages), so argv is read
 * string by string from bprm->p, which points at the argc strings in the new mm, now current's.
 */
SEC("lsm/bprm_committed_creds")
int BPF_PROG(on_bprm_committed_creds, struct linux_binprm *bprm)
{
	__u32 slot;
	char *rec = scratch_claim(VIGIL_REC_EXEC, &slot);
	if (!rec)
		return 0;
	struct vigil_exec *e = (void *)rec;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 off = fill_exec(rec, task, bprm);
	process_runs(e->hdr.pid, exe_inode(task));
	int argc = e->argc;

	/* Every string takes at least one byte, so no more than ARGV_MAX of them can fit. */
	struct argv_walk a = {.p = BPF_CORE_READ(bprm, p), .slot = slot, .off = off};
	__u32 nr = argc > 0 ? argc : 0;
	if (nr > ARGV_MAX) {
		nr = ARGV_MAX;
		a.truncated = true;
	}
	if (nr)
		bpf_loop(nr, put_arg, &a, 0);
	if (a.truncated)
		e->hdr.flags |= VIGIL_F_ARGV_TRUNCATED;
	__u32 len = a.len & OFF_MASK; /* a no-op (len <= ARGV_MAX) that keeps the bound the verifier lost on the stack */
	e->argv_len = len;
	off += len;

	emit(rec, off);
	scratch_release(slot);
	return 0;
}

/* ---- unlink_running: a file being executed is removed or replaced ---- */

/*
 * Inode hooks have no vfsmount, so LSM unlink paths are always fs-relative walks (VIGIL_F_PATH_WALKED):
 * path_len covers the walked components, dir_len is 0. Called before the filesystem acts, so result is the verdict.
 */
static __always_inline int running_removed(struct dentry *dentry, __u32 op)
{
	__u32 running = running_count(dentry);

	if (!running)
		return 0; /* nobody executes it (or a negative dentry: nothing is replaced) */
	__u32 slot;
	char *rec = scratch_claim(VIGIL_REC_UNLINK, &slot);
	if (!rec)
		return 0;
	emit(rec, fill_walked_unlink(rec, dentry, running, op)); /* observe-only: allowed, result 0 */
	scratch_release(slot);
	return 0;
}

SEC("lsm/inode_unlink")
int BPF_PROG(on_inode_unlink, struct inode *dir, struct dentry *dentry)
{
	return running_removed(dentry, VIGIL_UNLINK_OP_UNLINK);
}

/*
 * The hook has no flags: for RENAME_EXCHANGE, security_inode_rename calls it twice with the sides swapped, so an
 * exchange with a running binary is reported too (its path does get another file).
 */
SEC("lsm/inode_rename")
int BPF_PROG(on_inode_rename, struct inode *old_dir, struct dentry *old_dentry, struct inode *new_dir,
	     struct dentry *new_dentry)
{
	return running_removed(new_dentry, VIGIL_UNLINK_OP_RENAME);
}

/* ---- ptrace and writes into another process's memory ---- */

static __always_inline int emit_ptrace(__s64 request, __u32 target, __u64 addr)
{
	struct vigil_ptrace t = {};
	fill_header(&t.hdr, VIGIL_REC_PTRACE);
	t.request = request;
	t.target_pid = target;
	t.addr = addr;
	emit(&t, sizeof(t)); /* observe-only: allowed, result 0 */
	return 0;
}

/*
 * ATTACH checks come from ptrace attach/seize but also from /proc/PID/mem opens and process_vm_*: the hook cannot
 * tell them apart, so all are sent as PTRACE_ATTACH with addr = mode. READ-only checks are /proc reads: too noisy.
 */
SEC("lsm/ptrace_access_check")
int BPF_PROG(on_ptrace_access_check, struct task_struct *child, unsigned int mode)
{
	if (!(mode & PTRACE_MODE_ATTACH))
		return 0;
	return emit_ptrace(PTRACE_ATTACH, BPF_CORE_READ(child, tgid), mode);
}

SEC("lsm/ptrace_traceme")
int BPF_PROG(on_ptrace_traceme, struct task_struct *parent)
{
	return emit_ptrace(PTRACE_TRACEME, BPF_CORE_READ(parent, tgid), 0);
}

SEC("lsm/file_open")
int BPF_PROG(on_file_open, struct file *file)
{
	if (canary_tgid && bpf_get_current_pid_tgid() >> 32 == canary_tgid)
		__sync_fetch_and_add(&canary_hits, 1);

	if (!(BPF_CORE_READ(file, f_mode) & FMODE_WRITE))
		return 0;
	__u32 target = proc_mem_target(file);
	if (!target)
		return 0;

	/* This is the open, not a write: no address or byte count is known yet. */
	struct vigil_mem_write m = {};
	fill_header(&m.hdr, VIGIL_REC_MEM_WRITE);
	m.hdr.flags = VIGIL_F_AT_OPEN;
	m.method = VIGIL_MEM_PROC_MEM;
	m.target_pid = target;
	emit(&m, sizeof(m)); /* observe-only: allowed, result 0 */
	return 0;
}
