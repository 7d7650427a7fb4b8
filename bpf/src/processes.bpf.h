/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Processes and the executables they run, kept in the kernel so a deletion is judged there on every kernel
 * (i_writecount stopped marking running binaries in 6.11). Kept by exec, fork and exit; seeded at load by a task
 * iterator that only fills what the hooks have not. Both sensor objects include this file.
 */
#ifndef VIGIL_PROCESSES_BPF_H
#define VIGIL_PROCESSES_BPF_H

#include "common.bpf.h"

/* struct inode * of an executable -> how many processes run it; an entry goes at zero. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u32);
} running_exes SEC(".maps");

/* tgid -> struct inode * of the executable the process runs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__type(key, __u32);
	__type(value, __u64);
} process_exe SEC(".maps");

static __always_inline __u64 exe_inode(struct task_struct *task)
{
	return (__u64)BPF_CORE_READ(task, mm, exe_file, f_inode);
}

static __always_inline void exe_get(__u64 inode)
{
	__u32 one = 1;
	__u32 *n = bpf_map_lookup_elem(&running_exes, &inode);
	if (!n && bpf_map_update_elem(&running_exes, &inode, &one, BPF_NOEXIST) == 0)
		return;
	if (!n)
		n = bpf_map_lookup_elem(&running_exes, &inode); /* another CPU added it first */
	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline void exe_put(__u64 inode)
{
	__u32 *n = bpf_map_lookup_elem(&running_exes, &inode);
	if (n && __sync_fetch_and_add(n, -1) == 1)
		bpf_map_delete_elem(&running_exes, &inode);
}

/* The process now runs `inode` (exec, or a new process from fork). */
static __always_inline void process_runs(__u32 tgid, __u64 inode)
{
	if (!inode)
		return;
	__u64 *current = bpf_map_lookup_elem(&process_exe, &tgid);
	if (current) {
		if (*current == inode)
			return;
		exe_put(*current);
		*current = inode;
	} else if (bpf_map_update_elem(&process_exe, &tgid, &inode, BPF_ANY) != 0) {
		return;
	}
	exe_get(inode);
}

static __always_inline void process_gone(__u32 tgid)
{
	__u64 *current = bpf_map_lookup_elem(&process_exe, &tgid);
	if (!current)
		return;
	exe_put(*current);
	bpf_map_delete_elem(&process_exe, &tgid);
}

/* How many processes execute the file behind this dentry. */
static __always_inline __u32 running_count(struct dentry *dentry)
{
	__u64 inode = (__u64)BPF_CORE_READ(dentry, d_inode);
	__u32 *n = bpf_map_lookup_elem(&running_exes, &inode);
	return n ? *n : 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0; /* a new thread, not a new process */
	__u32 child_tgid = BPF_CORE_READ(child, tgid);
	process_runs(child_tgid, exe_inode(child));
	struct vigil_fork f = {};
	fill_header(&f.hdr, VIGIL_REC_FORK);
	f.child_pid = child_tgid;
	emit(&f, sizeof(f));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0; /* other threads of the process live on */
	struct vigil_exit x = {};
	fill_header(&x.hdr, VIGIL_REC_EXIT);
	x.exit_code = BPF_CORE_READ(task, exit_code);
	process_gone(x.hdr.pid);
	emit(&x, sizeof(x));
	return 0;
}

/* Run once by the loader after the hooks are attached: adds the processes that started before them. */
SEC("iter/task")
int seed_processes(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	if (!task || task->pid != task->tgid)
		return 0;
	__u64 inode = exe_inode(task);
	__u32 tgid = task->tgid;
	if (inode && bpf_map_update_elem(&process_exe, &tgid, &inode, BPF_NOEXIST) == 0)
		exe_get(inode);
	return 0;
}

#endif
