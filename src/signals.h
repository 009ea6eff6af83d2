/* signals: termination signals (SIGINT, SIGTERM, SIGHUP) and SIGPIPE.  The
 * handler only records which signal arrived; the main thread notices it,
 * stops the run, reports what was done, and ends by the same signal so that
 * the shell sees the usual 128 + n status. */
#ifndef FANOUT_SIGNALS_H
#define FANOUT_SIGNALS_H

/* Installs the handlers, without SA_RESTART so that a blocked read or
 * write in the main thread returns EINTR. */
void signals_install(void);

#include <signal.h>

/* Blocks the termination signals in the calling thread, saving the old
 * mask in OLD; threads started meanwhile inherit the block, so the
 * signals reach the main thread only. */
void signals_block_here(sigset_t *old);

/* Restores the mask saved by signals_block_here. */
void signals_restore(const sigset_t *old);

/* The termination signal that arrived, or 0. */
int signals_caught(void);

/* Ends the process by signal SIGNO with its default action. */
_Noreturn void signals_die_by(int signo);

#endif
