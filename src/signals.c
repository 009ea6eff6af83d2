/* signals: a flag set by the handler, read by the main thread. */
#include "config.h"

#include "signals.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

static const int termination_signals[] = { SIGINT, SIGTERM, SIGHUP };
enum { TERMINATION_SIGNALS = sizeof termination_signals / sizeof(int) };

/* The first termination signal received; written only by the handler. */
static volatile sig_atomic_t caught;

/* SIGUSR1 arrived and the main thread has not yet printed the report. */
static volatile sig_atomic_t report_wanted;

static void record_signal(int signo)
{
    if (!caught)
        caught = signo;
}

static void record_report_request(int signo)
{
    (void)signo;
    report_wanted = 1;
}

void signals_install(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = record_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    for (int i = 0; i < TERMINATION_SIGNALS; i++) {
        struct sigaction old;
        /* A signal ignored by whoever started us stays ignored, as for
         * nohup. */
        if (sigaction(termination_signals[i], NULL, &old) == 0
            && old.sa_handler == SIG_IGN)
            continue;
        sigaction(termination_signals[i], &action, NULL);
    }
    /* A report changes nothing else, so calls it interrupts are
     * restarted. */
    action.sa_handler = record_report_request;
    action.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &action, NULL);
}

void signals_block_here(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < TERMINATION_SIGNALS; i++)
        sigaddset(&set, termination_signals[i]);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

void signals_restore(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

int signals_caught(void)
{
    return caught;
}

bool signals_report_wanted(void)
{
    if (!report_wanted)
        return false;
    report_wanted = 0;
    return true;
}

_Noreturn void signals_die_by(int signo)
{
    sigset_t set;
    signal(signo, SIG_DFL);
    sigemptyset(&set);
    sigaddset(&set, signo);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(signo);
    /* Only reached if the default action does not end the process. */
    abort();
}
