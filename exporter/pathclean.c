/* pathclean.c: lexical cleaning of an absolute path (pathclean.h), one
 * copy for the descriptor table and the stack symbolizer. Never looks at
 * the file system (the files need not exist here) and never allocates. */
#include "pathclean.h"

#include <string.h>

size_t rn_path_clean(char *p)
{
	char *out = p;
	const char *in = p;
	while (*in) {
		while (*in == '/')
			in++;
		const char *seg = in;
		while (*in && *in != '/')
			in++;
		size_t n = (size_t)(in - seg);
		if (!n || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > p && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, seg, n);
		out += n;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
	return (size_t)(out - p);
}
