/* signals: termination signals (SIGINT, SIGTERM, SIGHUP), SIGPIPE and
 * SIGUSR1.  The handler only records which signal arrived; the main thread
 * notices it, stops the run, reports what was done, and ends by the same
 * signal so that the shell sees the usual 128 + n status.  SIGUSR1 asks
 * for the statistics so far and changes nothing else: the main thread
 * prints them and the run goes on. */
#ifndef FANOUT_SIGNALS_H
#define FANOUT_SIGNALS_H

/* Installs the handlers: those of termination signals without SA_RESTART,
 * so that a blocked read or write in the main thread returns EINTR, and
 * that of SIGUSR1 with it. */
void signals_install(void);

#include <signal.h>
#include <stdbool.h>

/* Blocks the termination signals and SIGUSR1 in the calling thread,
 * saving the old mask in OLD; threads started meanwhile inherit the
 * block, so the signals reach the main thread only. */
void signals_block_here(sigset_t *old);

/* Restores the mask saved by signals_block_here. */
void signals_restore(const sigset_t *old);

/* The termination signal that arrived, or 0. */
int signals_caught(void);

/* Whether SIGUSR1 arrived since the last call; main thread only.  Several
 * arrivals between two calls count as one. */
bool signals_report_wanted(void);

/* Ends the process by signal SIGNO with its default action. */
_Noreturn void signals_die_by(int signo);

#endif
