// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Once its programs are loaded and attached, the sensor needs little: CAP_BPF to read its counters and write policy
 * generations into its maps, and CAP_DAC_READ_SEARCH to look up the files a policy names. It keeps only those, as
 * the user nobody, and can never gain more (no_new_privs, the bounding set emptied of the rest). A bug in the code
 * that reads the agent's commands then cannot be turned into root on the host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "sensor.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define NOBODY 65534

static const int kept[] = {CAP_BPF, CAP_DAC_READ_SEARCH};

static int is_kept(int cap)
{
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (kept[i] == cap)
			return 1;
	return 0;
}

int drop_privileges(void)
{
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (!is_kept(cap) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;
	/* Permitted capabilities survive the change of user with KEEPCAPS; effective ones are raised again below. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		data[kept[i] / 32].effective |= 1U << (kept[i] % 32);
		data[kept[i] / 32].permitted |= 1U << (kept[i] % 32);
	}
	if (syscall(SYS_capset, &header, data) || prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	/* A change of user clears the parent-death signal: the sensor must still stop with its agent. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0))
		return -errno;
	return 0;
}
