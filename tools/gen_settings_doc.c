/* gen_settings_doc.c: prints docs/SETTINGS.md from common/settings.def, so
 * the documented variables are the ones the shim reads. A test fails when
 * the committed file is stale: regenerate with
 * build/gen_settings_doc > docs/SETTINGS.md */
#include <stdio.h>

#include "../common/settings.h"

static void range(const struct rn_setting_info *in, enum rn_setting_id id)
{
	switch (in->kind) {
	case RN_SK_STR:
		printf("a path | unset");
		break;
	case RN_SK_TRACE:
		printf("a `-e trace=` set | all");
		break;
	case RN_SK_U32:
	case RN_SK_POW2:
		printf("%u..%u%s | %u", in->lo, in->hi, in->kind == RN_SK_POW2 ? ", a power of two" : "",
		       in->def);
		break;
	case RN_SK_CHOICE:
		for (uint32_t v = 0; rn_setting_choice(id, v); v++)
			printf("%s`%s`", v ? ", " : "", rn_setting_choice(id, v));
		printf(" | `%s`", rn_setting_choice(id, in->def));
		break;
	}
}

int main(void)
{
	puts("# Settings of the traced programs\n");
	puts("Generated from `common/settings.def` by `tools/gen_settings_doc.c`; do not edit.");
	puts("`renacer-run` writes these variables into the program's environment from its");
	puts("options (`-e trace=`, `-s`, `--on-full`) and its own environment; the shim reads");
	puts("them back in every traced process with the same code (`common/settings.c`). To");
	puts("trace a program renacer-run does not start (a container, a service), set them");
	puts("yourself beside `LD_PRELOAD`. A bad value keeps the default: renacer-run warns");
	puts("once, the shim says why only with `RENACER_DEBUG=1`.\n");
	puts("| variable | values | default | meaning |");
	puts("|---|---|---|---|");
	for (unsigned i = 0; i < RN_NSETTINGS; i++) {
		const struct rn_setting_info *in = &rn_setting_info[i];
		printf("| `%s` | ", in->env);
		range(in, (enum rn_setting_id)i);
		printf(" | %s |\n", in->doc);
	}
	return 0;
}
