/* Guard server front end (see server.c). */
#ifndef GUARD_SERVER_H
#define GUARD_SERVER_H

/* guardd: returns the exit status (0 stopped by a signal, 1 error). */
int guardd_main(int argc, char **argv);

#endif
