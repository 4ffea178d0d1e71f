/*
 * The first touch of a fresh GEM mapping, with SIGBUS caught. A DRM
 * driver's fault handler says "no" with SIGBUS, not an errno: i915's
 * i915_error_to_vmf_fault() turns -EFAULT, -ENXIO, -EIO and -ENODEV into
 * VM_FAULT_SIGBUS (vm_fault_gtt() refuses a snooped object on a part
 * without LLC, for one). A probe that touches a mapping to see whether the
 * kernel really serves it must survive that answer, so for the duration of
 * that one write SIGBUS jumps back here (sigsetjmp/siglongjmp, the signal
 * mask restored) and the previous handler is put back afterwards.
 * Backend hooks run on one thread (backend.h), so one static jump buffer
 * is enough.
 */
#include "touch.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>

static sigjmp_buf touch_env;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(touch_env, 1);
}

int gb_touch_catching_sigbus(void *ptr)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int err = 0;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &old))
		return -errno;
	/* savemask = 1: the jump out of the handler unblocks SIGBUS again. */
	if (sigsetjmp(touch_env, 1) == 0)
		*(volatile uint32_t *)ptr = 0;
	else
		err = -EFAULT;
	sigaction(SIGBUS, &old, NULL);
	return err;
}
