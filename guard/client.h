/* Guard client front end (see client.c). */
#ifndef GUARD_CLIENT_H
#define GUARD_CLIENT_H

/*
 * tunclient: returns the exit status: 0 stopped by a signal, 1 a
 * configuration or start-up error, 2 the session ended (the server closed
 * it, refused us, or went away).
 */
int tunclient_main(int argc, char **argv);

#endif
