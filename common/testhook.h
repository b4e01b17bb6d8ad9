/*
 * Test builds only (make TEST_HOOKS=1, which defines GUARD_TEST_HOOKS):
 * SIGUSR1 makes a sandboxed worker act as a taken-over one would, so that
 * the tests can show what the sandbox and GUARD do about it. udpdata then
 * tries a system call outside its allowlist; tcpctl sends GUARD a message
 * the permission table forbids. In any other build these do nothing and
 * SIGUSR1 keeps its default action.
 */
#ifndef GUARD_TESTHOOK_H
#define GUARD_TESTHOOK_H

#ifdef GUARD_TEST_HOOKS
/* Catch SIGUSR1. 0 or -1 (logged). */
int testhook_install(void);
/* 1 once after each SIGUSR1. */
int testhook_fired(void);
#else
static inline int testhook_install(void) { return 0; }
static inline int testhook_fired(void) { return 0; }
#endif

#endif
