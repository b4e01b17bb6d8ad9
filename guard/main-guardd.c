/* guardd: the Guard server, or one of its children ("-P ROLE"). */
#include "proc.h"
#include "server.h"

int
main(int argc, char **argv)
{
	if (proc_is_child(argc, argv))
		return proc_child_main(argc, argv);
	return guardd_main(argc, argv);
}
