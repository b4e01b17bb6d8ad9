/* Guard guardctl: ask a running guardd or tunclient (see guardctl.c). */
#ifndef GUARD_GUARDCTL_H
#define GUARD_GUARDCTL_H

/* Returns the exit status: 0, or 1 when something failed. */
int guardctl_main(int argc, char **argv);

#endif
