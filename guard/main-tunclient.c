/* tunclient: the Guard client, or one of its children ("-P ROLE"). */
#include "client.h"
#include "proc.h"

int
main(int argc, char **argv)
{
	if (proc_is_child(argc, argv))
		return proc_child_main(argc, argv);
	return tunclient_main(argc, argv);
}
