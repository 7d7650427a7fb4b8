/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one definition of every record the sensor writes. Kernel programs and the loader include it; the agent's
 * decoder mirrors it and a test compares its layout with `vigil-sensor --layout`.
 *
 * A record on the wire is a frame: __u32 VIGIL_FRAME_MAGIC, __u32 length, then `length` bytes that start with
 * struct vigil_header (whose size field equals length). The magic lets a reader find the next frame after a bad one. Strings live in the record's tail, in the order the body lists their lengths.
 * A length counts the bytes in the tail including the terminating NUL (0 = absent).
 * A "walked path" is the components of a path leaf first, each NUL-terminated ("x\0bin\0usr\0" = /usr/bin/x).
 */
#ifndef VIGIL_ABI_H
#define VIGIL_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VIGIL_ABI_VERSION 2
#define VIGIL_COMM_LEN 16
#define VIGIL_RECORD_MAX 32768
#define VIGIL_FRAME_MAGIC 0x314c4756 /* "VGL1" in little-endian byte order */
#define VIGIL_SCRATCH_SLOTS 4 /* records under construction per CPU at once (BPF objects and loader) */

enum vigil_record_type {
	VIGIL_REC_EXEC = 1,
	VIGIL_REC_FORK = 2,
	VIGIL_REC_EXIT = 3,
	VIGIL_REC_UNLINK = 4,
	VIGIL_REC_PTRACE = 5,
	VIGIL_REC_MEM_WRITE = 6,
	VIGIL_REC_KERNEL_KINDS = 8, /* kernel record types are below this; counters are indexed by type */
	VIGIL_REC_HELLO = 100,
	VIGIL_REC_STATS = 101,
	VIGIL_REC_POLICY = 102,
};

/* header.flags, per record type */
enum vigil_flag {
	VIGIL_F_ARGV_TRUNCATED = 1 << 0,
	VIGIL_F_FILENAME_TRUNCATED = 1 << 1,
	VIGIL_F_EXE_TRUNCATED = 1 << 2,
	VIGIL_F_CWD_TRUNCATED = 1 << 3,
	VIGIL_F_EXE_DETACHED = 1 << 4, /* walk ended off the mount tree: memfd, anonymous or lazily unmounted file */
	VIGIL_F_INTERP_TRUNCATED = 1 << 5,
	VIGIL_F_PATH_TRUNCATED = 1 << 6, /* unlink: path or dir */
	VIGIL_F_INODE_KNOWN = 1 << 7,    /* unlink: ino/dev/running came from a filesystem or LSM hook */
	VIGIL_F_DIR_DETACHED = 1 << 8,
	VIGIL_F_PATH_WALKED = 1 << 9, /* unlink: path is walked from the dentry to its filesystem's root (inode hooks) */
	VIGIL_F_AT_OPEN = 1 << 10,    /* mem_write: seen at the access check (LSM open of /proc/PID/mem, process_vm_writev), before any byte is written */
};

enum vigil_sensor_mode {
	VIGIL_MODE_TRACEPOINT = 1,
	VIGIL_MODE_LSM = 2,
};

enum vigil_verdict {
	VIGIL_VERDICT_NONE = 0,   /* no enforceable rule decided */
	VIGIL_VERDICT_DENIED = 1, /* the hook returned -EPERM */
	VIGIL_VERDICT_AUDIT = 2,  /* a rule of an audit-mode policy would have denied; allowed */
};

/* What the kernel's policy decided about the action a record reports (LSM mode; zero in tracepoint mode). */
struct vigil_decision {
	__u32 policy_gen; /* the policy generation whose rule decided */
	__u16 rule;       /* that rule's slot in the generation */
	__u16 verdict;    /* enum vigil_verdict */
};

enum vigil_unlink_op {
	VIGIL_UNLINK_OP_UNLINK = 1, /* unlink, unlinkat */
	VIGIL_UNLINK_OP_RENAME = 2, /* rename*: path is the replaced target */
};

enum vigil_mem_method {
	VIGIL_MEM_PROC_MEM = 1,
	VIGIL_MEM_PROCESS_VM_WRITEV = 2,
	VIGIL_MEM_PTRACE_POKE = 3,
};

struct vigil_header {
	__u16 type;
	__u16 flags;
	__u32 size;
	__u64 ktime_ns; /* CLOCK_BOOTTIME */
	__u64 cgroup_id;
	__u32 pid; /* thread group id */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 euid;
	__u32 gid;
	char comm[VIGIL_COMM_LEN];
};

/* tail: filename, interp, exe (walked), cwd (walked), argv (NUL-separated, as in mm->arg_start..arg_end) */
struct vigil_exec {
	struct vigil_header hdr;
	__u64 exe_ino;
	__u64 exe_mtime_ns;
	__u32 exe_dev; /* kernel dev_t: major << 20 | minor */
	__u32 exe_nlink;
	__u32 argc;
	__u16 filename_len;
	__u16 interp_len; /* 0 unless an interpreter (#!, binfmt_misc) runs the file */
	__u16 exe_len;
	__u16 cwd_len;
	__u16 argv_len;
	__u16 pad;
	struct vigil_decision decision;
};

struct vigil_fork {
	struct vigil_header hdr; /* the forking process */
	__u32 child_pid;
	__u32 pad;
};

struct vigil_exit {
	struct vigil_header hdr;
	__u32 exit_code; /* wait status: code << 8 | signal */
	__u32 pad;
};

/* tail: path (as given to the syscall, or walked when VIGIL_F_PATH_WALKED), dir (walked: cwd or dirfd; or empty) */
struct vigil_unlink {
	struct vigil_header hdr;
	__u64 ino;
	__u32 dev;
	__u32 running; /* processes executing the file, by the kernel's own count */
	__u32 op;         /* enum vigil_unlink_op */
	__s32 result;
	__u16 path_len;
	__u16 dir_len;
	__u32 pad;
	struct vigil_decision decision;
};

struct vigil_ptrace {
	struct vigil_header hdr;
	__s64 request;
	__u64 addr;
	__u32 target_pid; /* as given (may be a thread id); TRACEME: the parent */
	__s32 result;
	struct vigil_decision decision;
};

struct vigil_mem_write {
	struct vigil_header hdr;
	__u64 addr; /* remote address when known (pwrite offset, iovec base, ptrace addr), else 0 */
	__s64 result; /* bytes written, or -errno */
	__u32 target_pid;
	__u32 method; /* enum vigil_mem_method */
	__s64 request; /* ptrace request for PTRACE_POKE*, else 0 */
	struct vigil_decision decision;
};

/* written by the loader: first record of a stream; tail: reason for the mode, kernel release */
struct vigil_hello {
	struct vigil_header hdr;
	__s64 realtime_offset_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME */
	__u32 abi_version;
	__u32 mode; /* enum vigil_sensor_mode */
	__u32 ringbuf_bytes;
	__u16 reason_len;
	__u16 release_len;
};

/* written by the loader every stats interval and at exit; indexed by record type */
struct vigil_stats {
	struct vigil_header hdr;
	__s64 realtime_offset_ns;
	__u64 emitted[VIGIL_REC_KERNEL_KINDS];
	__u64 dropped[VIGIL_REC_KERNEL_KINDS];
};

/* written by the loader when it has applied a policy generation, or failed to; tail: error message */
struct vigil_policy_ack {
	struct vigil_header hdr;
	__u32 policy_gen;
	__s32 error; /* 0 or -errno */
	__u32 rules;
	__u32 values;
	__u32 missing; /* paths that no longer exist: nothing to protect there */
	__u16 message_len;
	__u16 pad;
};

_Static_assert(sizeof(struct vigil_header) == 64, "vigil_header layout");
_Static_assert(sizeof(struct vigil_exec) == 112, "vigil_exec layout");
_Static_assert(sizeof(struct vigil_fork) == 72, "vigil_fork layout");
_Static_assert(sizeof(struct vigil_exit) == 72, "vigil_exit layout");
_Static_assert(sizeof(struct vigil_unlink) == 104, "vigil_unlink layout");
_Static_assert(sizeof(struct vigil_ptrace) == 96, "vigil_ptrace layout");
_Static_assert(sizeof(struct vigil_mem_write) == 104, "vigil_mem_write layout");
_Static_assert(sizeof(struct vigil_hello) == 88, "vigil_hello layout");
_Static_assert(sizeof(struct vigil_stats) == 200, "vigil_stats layout");
_Static_assert(sizeof(struct vigil_policy_ack) == 88, "vigil_policy_ack layout");

#endif
