/* guardctl: show and steer running Guard tunnels. */
#include "guardctl.h"

int
main(int argc, char **argv)
{
	return guardctl_main(argc, argv);
}
