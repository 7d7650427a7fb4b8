// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Tracepoint mode: observe-only sensors that load on every kernel with BTF. */
#include "processes.bpf.h"

#define AT_FDCWD -100
#define AT_REMOVEDIR 0x200
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define O_ACCMODE 3

enum pending_op {
	PENDING_UNLINK = 1,
	PENDING_RENAME,
	PENDING_PTRACE,
	PENDING_VM_WRITEV,
	PENDING_OPEN_WRITE,
	PENDING_MEM_WRITE,
};

struct pending {
	__u64 args[4];
	__u32 op;
	__u32 inode_known;
	__u64 ino;
	__u32 dev;
	__u32 running;
};

/* A traced syscall between its enter and exit tracepoints, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pending);
} pending SEC(".maps");

/* Open descriptors on /proc/PID/mem, (tgid << 32 | fd) -> target pid; checked again at each write. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u32);
} mem_fds SEC(".maps");

/* Set once any /proc/PID/mem was opened for writing, so ordinary writes skip the map look-ups until then. */
bool mem_fds_seen = false;

struct sys_enter_ctx {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__u64 args[6];
};

struct sys_exit_ctx {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__s64 ret;
};

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 slot;
	char *rec = scratch_claim(VIGIL_REC_EXEC, &slot);
	if (!rec)
		return 0;
	struct vigil_exec *e = (void *)rec;
	__u32 off = fill_exec(rec, task, bprm, BPF_CORE_READ(task, mm, exe_file));
	process_runs(e->hdr.pid, exe_inode(task));

	unsigned long arg_start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long arg_end = BPF_CORE_READ(task, mm, arg_end);
	__u32 len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (len > ARGV_MAX) {
		len = ARGV_MAX;
		e->hdr.flags |= VIGIL_F_ARGV_TRUNCATED;
	}
	/* clang may hand the helper the unclamped copy of len; masking in asm keeps the verifier's bound */
	asm volatile("%[len] &= %[mask]" : [len] "+r"(len) : [mask] "i"(2 * ARGV_MAX - 1));
	if (len && bpf_probe_read_user(rec + (off & OFF_MASK), len, (void *)arg_start) != 0)
		len = 0;
	e->argv_len = len;
	off += len;

	emit(rec, off);
	scratch_release(slot);
	return 0;
}

static __always_inline void begin(__u32 op, __u64 a0, __u64 a1, __u64 a2, __u64 a3)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending p = {.args = {a0, a1, a2, a3}, .op = op};
	bpf_map_update_elem(&pending, &tid, &p, BPF_ANY);
}

/* The pending syscall of this thread, removed from the map; NULL when none of `op` is pending. */
static __always_inline bool finish(__u32 op, struct pending *out)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending *p = bpf_map_lookup_elem(&pending, &tid);
	if (!p)
		return false;
	bool match = p->op == op;
	if (match)
		__builtin_memcpy(out, p, sizeof(*out));
	bpf_map_delete_elem(&pending, &tid);
	return match;
}

static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* ---- unlink_running: a file being executed is removed or replaced ---- */

SEC("tracepoint/syscalls/sys_enter_unlink")
int on_unlink_enter(struct sys_enter_ctx *ctx)
{
	begin(PENDING_UNLINK, AT_FDCWD, ctx->args[0], 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int on_unlinkat_enter(struct sys_enter_ctx *ctx)
{
	if (ctx->args[2] & AT_REMOVEDIR)
		return 0;
	begin(PENDING_UNLINK, ctx->args[0], ctx->args[1], 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_rename")
int on_rename_enter(struct sys_enter_ctx *ctx)
{
	begin(PENDING_RENAME, AT_FDCWD, ctx->args[1], 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_renameat")
int on_renameat_enter(struct sys_enter_ctx *ctx)
{
	begin(PENDING_RENAME, ctx->args[2], ctx->args[3], 0, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_renameat2")
int on_renameat2_enter(struct sys_enter_ctx *ctx)
{
	if (ctx->args[4] & (RENAME_NOREPLACE | RENAME_EXCHANGE))
		return 0; /* nothing at the target is removed */
	begin(PENDING_RENAME, ctx->args[2], ctx->args[3], 0, 0);
	return 0;
}

/*
 * A stacked filesystem (overlayfs: containers) removes its layer's file with its mounter's credentials in place of
 * the caller's. That file's inode is not the one executed, so the kernel's table cannot judge it.
 */
static __always_inline bool inside_stacked_fs(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, cred) != BPF_CORE_READ(task, real_cred);
}

/* On ext4 the hook names the inode and the kernel's table says whether it runs: the agent need not guess.
 * Beneath an overlay it does not know, and the agent matches the syscall's path against what runs. */
SEC("tp_btf/ext4_unlink_enter")
int BPF_PROG(on_ext4_unlink, struct inode *dir, struct dentry *dentry)
{
	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	__u32 running = running_count(dentry);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending *p = bpf_map_lookup_elem(&pending, &tid);

	if (p && p->op == PENDING_UNLINK) {
		if (!running && inside_stacked_fs())
			return 0;
		p->inode_known = 1;
		p->ino = BPF_CORE_READ(inode, i_ino);
		p->dev = kernel_dev(inode);
		p->running = running;
		return 0;
	}
	if (!running)
		return 0;

	__u32 slot;
	char *rec = scratch_claim(VIGIL_REC_UNLINK, &slot);
	if (!rec)
		return 0;
	/* outside a traced syscall: io_uring, nfsd */
	emit(rec, fill_walked_unlink(rec, dentry, running, VIGIL_UNLINK_OP_UNLINK, (struct vigil_decision){}));
	scratch_release(slot);
	return 0;
}

static __always_inline void unlink_exit(__u32 op, __s64 ret)
{
	struct pending p;
	if (!finish(op, &p) || ret != 0)
		return;
	if (p.inode_known && !p.running)
		return; /* the filesystem saw the inode and nobody executes it */

	__u32 slot;
	char *rec = scratch_claim(VIGIL_REC_UNLINK, &slot);
	if (!rec)
		return;
	struct vigil_unlink *u = (void *)rec;
	fill_header(&u->hdr, VIGIL_REC_UNLINK);
	u->ino = p.ino;
	u->dev = p.dev;
	u->running = p.running;
	u->op = op == PENDING_RENAME ? VIGIL_UNLINK_OP_RENAME : VIGIL_UNLINK_OP_UNLINK;
	u->result = ret;
	u->pad = 0;
	u->decision = (struct vigil_decision){};
	if (p.inode_known)
		u->hdr.flags |= VIGIL_F_INODE_KNOWN;

	__u32 off = sizeof(*u);
	__u32 n = put_user_str(rec, off, (const char *)p.args[1], FILENAME_MAX_LEN);
	if (n == FILENAME_MAX_LEN)
		u->hdr.flags |= VIGIL_F_PATH_TRUNCATED;
	u->path_len = n;
	off += n;

	struct walk w = {};
	if (n && rec[sizeof(*u)] != '/') {
		int dirfd = (int)p.args[0];
		if (dirfd == AT_FDCWD) {
			struct task_struct *task = (struct task_struct *)bpf_get_current_task();
			struct fs_struct *fs = BPF_CORE_READ(task, fs);
			w = walk_path(rec, off, BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt));
		} else {
			struct file *dir = fd_file(dirfd);
			if (dir)
				w = walk_path(rec, off, BPF_CORE_READ(dir, f_path.dentry), BPF_CORE_READ(dir, f_path.mnt));
		}
	}
	if (w.truncated)
		u->hdr.flags |= VIGIL_F_PATH_TRUNCATED;
	if (w.detached)
		u->hdr.flags |= VIGIL_F_DIR_DETACHED;
	u->dir_len = w.len;
	off += w.len;
	emit(rec, off);
	scratch_release(slot);
}

SEC("tracepoint/syscalls/sys_exit_unlink")
int on_unlink_exit(struct sys_exit_ctx *ctx)
{
	unlink_exit(PENDING_UNLINK, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_unlinkat")
int on_unlinkat_exit(struct sys_exit_ctx *ctx)
{
	unlink_exit(PENDING_UNLINK, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_rename")
int on_rename_exit(struct sys_exit_ctx *ctx)
{
	unlink_exit(PENDING_RENAME, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_renameat")
int on_renameat_exit(struct sys_exit_ctx *ctx)
{
	unlink_exit(PENDING_RENAME, ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_renameat2")
int on_renameat2_exit(struct sys_exit_ctx *ctx)
{
	unlink_exit(PENDING_RENAME, ctx->ret);
	return 0;
}

/* ---- ptrace and writes into another process's memory ---- */

#define PTRACE_TRACEME 0
#define PTRACE_POKETEXT 4
#define PTRACE_POKEDATA 5
#define PTRACE_POKEUSR 6
#define PTRACE_SETREGS 13
#define PTRACE_SETFPREGS 15
#define PTRACE_ATTACH 16
#define PTRACE_SETFPXREGS 19
#define PTRACE_SETREGSET 0x4205
#define PTRACE_SEIZE 0x4206

/* Requests that take control of a process or change it; reads and resumes are left out. */
static __always_inline bool ptrace_reported(__s64 request)
{
	switch (request) {
	case PTRACE_TRACEME:
	case PTRACE_POKETEXT:
	case PTRACE_POKEDATA:
	case PTRACE_POKEUSR:
	case PTRACE_SETREGS:
	case PTRACE_SETFPREGS:
	case PTRACE_ATTACH:
	case PTRACE_SETFPXREGS:
	case PTRACE_SETREGSET:
	case PTRACE_SEIZE:
		return true;
	}
	return false;
}

static __always_inline void emit_mem_write(__u32 method, __u32 target, __u64 addr, __s64 result, __s64 request)
{
	struct vigil_mem_write m = {};
	fill_header(&m.hdr, VIGIL_REC_MEM_WRITE);
	m.method = method;
	m.target_pid = target;
	m.addr = addr;
	m.result = result;
	m.request = request;
	emit(&m, sizeof(m));
}

SEC("tracepoint/syscalls/sys_enter_ptrace")
int on_ptrace_enter(struct sys_enter_ctx *ctx)
{
	if (ptrace_reported((__s64)ctx->args[0]))
		begin(PENDING_PTRACE, ctx->args[0], ctx->args[1], ctx->args[2], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_ptrace")
int on_ptrace_exit(struct sys_exit_ctx *ctx)
{
	struct pending p;
	if (!finish(PENDING_PTRACE, &p))
		return 0;
	__s64 request = p.args[0];
	if (request == PTRACE_POKETEXT || request == PTRACE_POKEDATA) {
		emit_mem_write(VIGIL_MEM_PTRACE_POKE, p.args[1], p.args[2], ctx->ret == 0 ? 8 : ctx->ret, request);
		return 0;
	}
	struct vigil_ptrace t = {};
	fill_header(&t.hdr, VIGIL_REC_PTRACE);
	t.request = request;
	t.target_pid = request == PTRACE_TRACEME ? t.hdr.ppid : p.args[1];
	t.addr = p.args[2];
	t.result = ctx->ret;
	emit(&t, sizeof(t));
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_process_vm_writev")
int on_vm_writev_enter(struct sys_enter_ctx *ctx)
{
	begin(PENDING_VM_WRITEV, ctx->args[0], ctx->args[3], ctx->args[4], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_process_vm_writev")
int on_vm_writev_exit(struct sys_exit_ctx *ctx)
{
	struct pending p;
	if (!finish(PENDING_VM_WRITEV, &p))
		return 0;
	__u64 addr = 0;
	if (p.args[2] > 0)
		bpf_probe_read_user(&addr, sizeof(addr), (void *)p.args[1]); /* first remote iovec's base */
	emit_mem_write(VIGIL_MEM_PROCESS_VM_WRITEV, p.args[0], addr, ctx->ret, 0);
	return 0;
}

/* /proc/PID/mem: opened for writing, then written. The open only registers the descriptor. */
static __always_inline void open_enter(__u64 flags)
{
	if ((flags & O_ACCMODE) != 0)
		begin(PENDING_OPEN_WRITE, 0, 0, 0, 0);
}

SEC("tracepoint/syscalls/sys_enter_open")
int on_open_enter(struct sys_enter_ctx *ctx)
{
	open_enter(ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int on_openat_enter(struct sys_enter_ctx *ctx)
{
	open_enter(ctx->args[2]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int on_openat2_enter(struct sys_enter_ctx *ctx)
{
	__u64 flags = 0;
	bpf_probe_read_user(&flags, sizeof(flags), (void *)ctx->args[2]); /* struct open_how starts with flags */
	open_enter(flags);
	return 0;
}

static __always_inline void open_exit(__s64 ret)
{
	struct pending p;
	if (!finish(PENDING_OPEN_WRITE, &p) || ret < 0)
		return;
	__u32 target = proc_mem_target(fd_file(ret));
	if (!target)
		return;
	__u64 key = (bpf_get_current_pid_tgid() & 0xffffffff00000000ULL) | (__u32)ret;
	bpf_map_update_elem(&mem_fds, &key, &target, BPF_ANY);
	mem_fds_seen = true;
}

SEC("tracepoint/syscalls/sys_exit_open")
int on_open_exit(struct sys_exit_ctx *ctx)
{
	open_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int on_openat_exit(struct sys_exit_ctx *ctx)
{
	open_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int on_openat2_exit(struct sys_exit_ctx *ctx)
{
	open_exit(ctx->ret);
	return 0;
}

static __always_inline void write_enter(__u64 fd, __u64 addr)
{
	if (!mem_fds_seen)
		return;
	__u64 key = (bpf_get_current_pid_tgid() & 0xffffffff00000000ULL) | (__u32)fd;
	if (!bpf_map_lookup_elem(&mem_fds, &key))
		return;
	__u32 target = proc_mem_target(fd_file(fd)); /* the descriptor may have been closed and reused */
	if (!target) {
		bpf_map_delete_elem(&mem_fds, &key);
		return;
	}
	begin(PENDING_MEM_WRITE, target, addr, 0, 0);
}

static __always_inline void write_exit(__s64 ret)
{
	struct pending p;
	if (!mem_fds_seen || !finish(PENDING_MEM_WRITE, &p))
		return;
	emit_mem_write(VIGIL_MEM_PROC_MEM, p.args[0], p.args[1], ret, 0);
}

SEC("tracepoint/syscalls/sys_enter_write")
int on_write_enter(struct sys_enter_ctx *ctx)
{
	write_enter(ctx->args[0], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_pwrite64")
int on_pwrite64_enter(struct sys_enter_ctx *ctx)
{
	write_enter(ctx->args[0], ctx->args[3]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_writev")
int on_writev_enter(struct sys_enter_ctx *ctx)
{
	write_enter(ctx->args[0], 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_pwritev")
int on_pwritev_enter(struct sys_enter_ctx *ctx)
{
	write_enter(ctx->args[0], ctx->args[3]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_pwritev2")
int on_pwritev2_enter(struct sys_enter_ctx *ctx)
{
	write_enter(ctx->args[0], ctx->args[3]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_write")
int on_write_exit(struct sys_exit_ctx *ctx)
{
	write_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_pwrite64")
int on_pwrite64_exit(struct sys_exit_ctx *ctx)
{
	write_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_writev")
int on_writev_exit(struct sys_exit_ctx *ctx)
{
	write_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_pwritev")
int on_pwritev_exit(struct sys_exit_ctx *ctx)
{
	write_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_pwritev2")
int on_pwritev2_exit(struct sys_exit_ctx *ctx)
{
	write_exit(ctx->ret);
	return 0;
}
