/* stacks_lib: a library stacks_prog dlopens; its constructor makes a
 * call inside dlopen (the loader's lock held), lib_open one after. */
#include <fcntl.h>
#include <unistd.h>

__attribute__((constructor)) static void lib_ctor(void)
{
	close(-3); /* SITE_CTOR */
}

__attribute__((noinline)) int lib_open(void)
{
	return open("/dev/null", O_RDONLY); /* SITE_LIB */
}
