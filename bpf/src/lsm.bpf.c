// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * LSM mode (KRSI): the same records as tracepoint mode, from BPF LSM hooks, and the hooks return -EPERM where a
 * rule of an enforcing policy denies (policy.bpf.h). Every record a rule decided carries its decision.
 */
#include "processes.bpf.h"
#include "policy.bpf.h"

#define FMODE_WRITE 0x2
#define PTRACE_MODE_ATTACH 0x02
#define PTRACE_TRACEME 0
#define PTRACE_ATTACH 16
#define SYS_PTRACE 101 /* x86-64 */
#define SYS_PROCESS_VM_WRITEV 311

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
 * The decision bprm_check_security gave an exec it let through (audit), for bprm_committed_creds, which writes the
 * record once the new program's argv can be read. Keyed by the exec's struct linux_binprm: the first check of every
 * exec overwrites or removes its entry, so one left by an exec that failed later is never taken by another.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct vigil_decision);
} exec_decisions SEC(".maps");

/*
 * `ret` is what an earlier BPF program on the same hook returned. Its refusal stands, as -EPERM: the verifier only
 * accepts a return value it can prove is an errno, which the argument is not.
 */
#define REFUSED_BEFORE(ret) ((ret) ? -EPERM : 0)

static __always_inline int verdict_result(struct vigil_decision d)
{
	return d.verdict == VIGIL_VERDICT_DENIED ? -EPERM : 0;
}

/* bprm_committed_creds: past the point of no return, with current->mm, exe_file, argc and creds final. */
SEC("lsm/bprm_committed_creds")
int BPF_PROG(on_bprm_committed_creds, struct linux_binprm *bprm)
{
	__u32 slot;
	char *rec = scratch_claim(VIGIL_REC_EXEC, &slot);
	if (!rec)
		return 0;
	struct vigil_exec *e = (void *)rec;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 off = fill_exec(rec, task, bprm, BPF_CORE_READ(task, mm, exe_file));
	process_runs(e->hdr.pid, exe_inode(task));
	__u64 key = (__u64)bprm;
	struct vigil_decision *d = bpf_map_lookup_elem(&exec_decisions, &key);
	bool decided = d != NULL;
	if (d) {
		e->decision = *d;
		bpf_map_delete_elem(&exec_decisions, &key);
	}

	/* mm->arg_start is set later (setup_arg_pages), so argv is read string by string from bprm->p, which points
	 * at the argc strings in the new mm, now current's. Every string takes at least one byte, so no more than
	 * ARGV_MAX of them can fit. */
	int argc = e->argc;
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

	emit_waking(rec, off, decided);
	scratch_release(slot);
	return 0;
}

/*
 * An exec the policy denies never reaches bprm_committed_creds: its record is written here, by the process that
 * tried, naming the program it would have run. Its arguments are in the new program's memory, which no helper can
 * read before the exec goes through: argv is empty and marked truncated.
 */
static __always_inline void emit_denied_exec(struct task_struct *task, struct linux_binprm *bprm, struct file *file,
					     struct vigil_decision d)
{
	__u32 slot;
	char *rec = scratch_claim(VIGIL_REC_EXEC, &slot);
	if (!rec)
		return;
	struct vigil_exec *e = (void *)rec;
	__u32 off = fill_exec(rec, task, bprm, file);
	e->hdr.flags |= VIGIL_F_ARGV_TRUNCATED;
	e->argv_len = 0;
	e->decision = d;
	emit_waking(rec, off, true);
	scratch_release(slot);
}

/*
 * Called once per binary format tried: for a script, first with the script, then with its interpreter (bprm->interp
 * no longer the filename). A deny on either stops the exec; an audit verdict from any round is kept.
 */
SEC("lsm/bprm_check_security")
int BPF_PROG(on_bprm_check_security, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return REFUSED_BEFORE(ret);
	if (!policy_gen)
		return 0; /* no policy yet (every exec passes here): nothing to decide, no decision was ever kept */
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file *file = BPF_CORE_READ(bprm, file);
	struct facts f = {};
	fact_inode(&f, PF_FILE, BPF_CORE_READ(file, f_inode));
	fact_file_prefixes(&f, bprm->file, VIGIL_REC_EXEC);
	fact_subject(&f, task);
	struct vigil_decision d = decide(VIGIL_REC_EXEC, &f);
	if (d.verdict == VIGIL_VERDICT_DENIED) {
		emit_denied_exec(task, bprm, file, d);
		return -EPERM;
	}
	__u64 key = (__u64)bprm;
	bool first_round = BPF_CORE_READ(bprm, interp) == BPF_CORE_READ(bprm, filename);
	if (d.verdict)
		bpf_map_update_elem(&exec_decisions, &key, &d, first_round ? BPF_ANY : BPF_NOEXIST);
	else if (first_round)
		bpf_map_delete_elem(&exec_decisions, &key);
	return 0;
}

/* ---- unlink_running: a file being executed is removed or replaced ---- */

/*
 * Inode hooks have no vfsmount, so LSM unlink paths are always fs-relative walks (VIGIL_F_PATH_WALKED):
 * path_len covers the walked components, dir_len is 0. Called before the filesystem acts: the verdict is final.
 */
static __always_inline int running_removed(struct dentry *dentry, __u32 op)
{
	__u32 running = running_count(dentry);

	if (!running)
		return 0; /* nobody executes it (or a negative dentry: nothing is replaced) */
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct facts f = {};
	fact_inode(&f, PF_FILE, BPF_CORE_READ(dentry, d_inode));
	fact_inode(&f, PF_EXE, BPF_CORE_READ(task, mm, exe_file, f_inode));
	fact_subject(&f, task);
	struct vigil_decision d = decide(VIGIL_REC_UNLINK, &f);

	__u32 slot;
	char *rec = scratch_claim(VIGIL_REC_UNLINK, &slot);
	if (rec) {
		emit(rec, fill_walked_unlink(rec, dentry, running, op, d));
		scratch_release(slot);
	}
	return verdict_result(d);
}

SEC("lsm/inode_unlink")
int BPF_PROG(on_inode_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	return ret ? REFUSED_BEFORE(ret) : running_removed(dentry, VIGIL_UNLINK_OP_UNLINK);
}

/*
 * The hook has no flags: for RENAME_EXCHANGE, security_inode_rename calls it twice with the sides swapped, so an
 * exchange with a running binary is reported too (its path does get another file).
 */
SEC("lsm/inode_rename")
int BPF_PROG(on_inode_rename, struct inode *old_dir, struct dentry *old_dentry, struct inode *new_dir,
	     struct dentry *new_dentry, int ret)
{
	return ret ? REFUSED_BEFORE(ret) : running_removed(new_dentry, VIGIL_UNLINK_OP_RENAME);
}

/* ---- ptrace and writes into another process's memory ---- */

/* The facts of an action on another process: who acts, on whom, and whether it is itself. */
static __always_inline void fact_target(struct facts *f, struct task_struct *task, __u32 target_tgid,
					struct inode *target_exe)
{
	fact_inode(f, PF_EXE, BPF_CORE_READ(task, mm, exe_file, f_inode));
	fact_inode(f, PF_TARGET, target_exe);
	fact_id(f, PF_SELF, target_tgid == BPF_CORE_READ(task, tgid));
	fact_subject(f, task);
}

static __always_inline int emit_ptrace(__s64 request, __u32 target, __u64 addr, struct vigil_decision d)
{
	struct vigil_ptrace t = {};
	fill_header(&t.hdr, VIGIL_REC_PTRACE);
	t.request = request;
	t.target_pid = target;
	t.addr = addr;
	t.result = verdict_result(d);
	t.decision = d;
	emit(&t, sizeof(t));
	return verdict_result(d);
}

static __always_inline int emit_mem_write(__u32 method, __u32 target, struct vigil_decision d)
{
	/* A check before the access: no address or byte count is known yet. */
	struct vigil_mem_write m = {};
	fill_header(&m.hdr, VIGIL_REC_MEM_WRITE);
	m.hdr.flags = VIGIL_F_AT_OPEN;
	m.method = method;
	m.target_pid = target;
	m.result = verdict_result(d);
	m.decision = d;
	emit(&m, sizeof(m));
	return verdict_result(d);
}

/*
 * ATTACH-mode checks come from ptrace attach/seize, process_vm_readv/writev, /proc/PID/mem opens and more; the
 * syscall in progress tells them apart. /proc/PID/mem writes are judged in file_open, where the open mode is known.
 */
SEC("lsm/ptrace_access_check")
int BPF_PROG(on_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	if (ret || !(mode & PTRACE_MODE_ATTACH))
		return REFUSED_BEFORE(ret);
	struct task_struct *task = bpf_get_current_task_btf(); /* trusted, as bpf_task_pt_regs wants */
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	long nr = BPF_CORE_READ(regs, orig_ax);
	if (nr != SYS_PTRACE && nr != SYS_PROCESS_VM_WRITEV)
		return 0;
	__u32 target = BPF_CORE_READ(child, tgid);
	struct facts f = {};
	fact_target(&f, task, target, BPF_CORE_READ(child, mm, exe_file, f_inode));
	if (nr == SYS_PTRACE)
		return emit_ptrace(BPF_CORE_READ(regs, di), target, 0, decide(VIGIL_REC_PTRACE, &f));
	return emit_mem_write(VIGIL_MEM_PROCESS_VM_WRITEV, target, decide(VIGIL_REC_MEM_WRITE, &f));
}

SEC("lsm/ptrace_traceme")
int BPF_PROG(on_ptrace_traceme, struct task_struct *parent, int ret)
{
	if (ret)
		return REFUSED_BEFORE(ret);
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 target = BPF_CORE_READ(parent, tgid);
	struct facts f = {};
	fact_target(&f, task, target, BPF_CORE_READ(parent, mm, exe_file, f_inode));
	return emit_ptrace(PTRACE_TRACEME, target, 0, decide(VIGIL_REC_PTRACE, &f));
}

SEC("lsm/file_open")
int BPF_PROG(on_file_open, struct file *file, int ret)
{
	if (canary_tgid && bpf_get_current_pid_tgid() >> 32 == canary_tgid)
		__sync_fetch_and_add(&canary_hits, 1);
	if (ret || !(BPF_CORE_READ(file, f_mode) & FMODE_WRITE))
		return REFUSED_BEFORE(ret);
	__u32 target = proc_mem_target(file);
	if (!target)
		return 0;

	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 *target_exe = bpf_map_lookup_elem(&process_exe, &target);
	struct facts f = {};
	fact_target(&f, task, target, target_exe ? (struct inode *)*target_exe : NULL);
	return emit_mem_write(VIGIL_MEM_PROC_MEM, target, decide(VIGIL_REC_MEM_WRITE, &f));
}
