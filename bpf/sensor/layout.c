// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `vigil-sensor --layout`: offsets and sizes of every ABI struct, compared by the agent's layout test. */
#include <stddef.h>
#include <stdio.h>
#include "sensor.h"

#define FIELD(s, f) printf("%s\"" #f "\":[%zu,%zu]", first ? "" : ",", offsetof(struct s, f), sizeof(((struct s *)0)->f)), first = 0
#define BEGIN(s) printf("%s\"" #s "\":{\"size\":%zu,\"fields\":{", sep, sizeof(struct s)), sep = ",", first = 1
#define END() printf("}}")

void print_layout(void)
{
	const char *sep = "";
	int first;

	printf("{\"abi_version\":%d,\"frame_magic\":%u,\"record_max\":%d,\"structs\":{", VIGIL_ABI_VERSION, VIGIL_FRAME_MAGIC, VIGIL_RECORD_MAX);
	BEGIN(vigil_header);
	FIELD(vigil_header, type); FIELD(vigil_header, flags); FIELD(vigil_header, size); FIELD(vigil_header, ktime_ns);
	FIELD(vigil_header, cgroup_id); FIELD(vigil_header, pid); FIELD(vigil_header, tid); FIELD(vigil_header, ppid);
	FIELD(vigil_header, uid); FIELD(vigil_header, euid); FIELD(vigil_header, gid); FIELD(vigil_header, comm);
	END();
	BEGIN(vigil_exec);
	FIELD(vigil_exec, exe_ino); FIELD(vigil_exec, exe_mtime_ns); FIELD(vigil_exec, exe_dev);
	FIELD(vigil_exec, exe_nlink); FIELD(vigil_exec, argc); FIELD(vigil_exec, filename_len);
	FIELD(vigil_exec, interp_len); FIELD(vigil_exec, exe_len); FIELD(vigil_exec, cwd_len);
	FIELD(vigil_exec, argv_len); FIELD(vigil_exec, decision);
	END();
	BEGIN(vigil_fork);
	FIELD(vigil_fork, child_pid);
	END();
	BEGIN(vigil_exit);
	FIELD(vigil_exit, exit_code);
	END();
	BEGIN(vigil_unlink);
	FIELD(vigil_unlink, ino); FIELD(vigil_unlink, dev); FIELD(vigil_unlink, running); FIELD(vigil_unlink, op);
	FIELD(vigil_unlink, result); FIELD(vigil_unlink, path_len); FIELD(vigil_unlink, dir_len);
	FIELD(vigil_unlink, decision);
	END();
	BEGIN(vigil_ptrace);
	FIELD(vigil_ptrace, request); FIELD(vigil_ptrace, addr); FIELD(vigil_ptrace, target_pid);
	FIELD(vigil_ptrace, result); FIELD(vigil_ptrace, decision);
	END();
	BEGIN(vigil_mem_write);
	FIELD(vigil_mem_write, addr); FIELD(vigil_mem_write, result); FIELD(vigil_mem_write, target_pid);
	FIELD(vigil_mem_write, method); FIELD(vigil_mem_write, request); FIELD(vigil_mem_write, decision);
	END();
	BEGIN(vigil_hello);
	FIELD(vigil_hello, realtime_offset_ns); FIELD(vigil_hello, abi_version); FIELD(vigil_hello, mode);
	FIELD(vigil_hello, ringbuf_bytes); FIELD(vigil_hello, reason_len); FIELD(vigil_hello, release_len);
	END();
	BEGIN(vigil_stats);
	FIELD(vigil_stats, realtime_offset_ns); FIELD(vigil_stats, emitted); FIELD(vigil_stats, dropped);
	END();
	BEGIN(vigil_decision);
	FIELD(vigil_decision, policy_gen); FIELD(vigil_decision, rule); FIELD(vigil_decision, verdict);
	END();
	BEGIN(vigil_policy_ack);
	FIELD(vigil_policy_ack, policy_gen); FIELD(vigil_policy_ack, error); FIELD(vigil_policy_ack, rules);
	FIELD(vigil_policy_ack, values); FIELD(vigil_policy_ack, missing); FIELD(vigil_policy_ack, message_len);
	END();
	printf("}}\n");
}
