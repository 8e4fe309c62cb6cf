/* test_settings.c: the RENACER_* codec (common/settings.def) that the
 * launcher writes with and the shim reads with: what one writes, the
 * other reads back exactly; bad values are refused with their reason and
 * leave the setting as it was. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../../common/settings.h"

static const char *env_of(const struct rn_settings *s, const char *name)
{
	static char bufs[RN_NSETTINGS][16];
	for (unsigned i = 0; i < RN_NSETTINGS; i++)
		if (!strcmp(rn_setting_info[i].env, name))
			return rn_setting_text(s, (enum rn_setting_id)i, bufs[i], sizeof bufs[i]);
	return NULL;
}

static const struct rn_settings *written;
static char *get_written(const char *name)
{
	return (char *)env_of(written, name);
}

Test(settings, what_the_launcher_writes_the_shim_reads_back)
{
	struct rn_settings a, b;
	const char *why;
	rn_settings_default(&a);
	cr_assert_eq(rn_setting_set(&a, RN_SET_SESSION_DIR, "/dev/shm/renacer-x", &why), 0);
	cr_assert_eq(rn_setting_set(&a, RN_SET_TRACE, "!%file,read", &why), 0);
	cr_assert_eq(rn_setting_set(&a, RN_SET_STRSIZE, "4096", &why), 0);
	cr_assert_eq(rn_setting_set(&a, RN_SET_ON_FULL, "block", &why), 0);
	cr_assert_eq(rn_setting_set(&a, RN_SET_RING_SIZE, "2048", &why), 0);
	cr_assert_eq(rn_setting_set(&a, RN_SET_CLOCK, "monotonic", &why), 0);
	written = &a;
	rn_settings_read(&b, get_written, NULL);
	cr_assert_str_eq(b.session_dir, "/dev/shm/renacer-x");
	cr_assert_str_eq(b.trace, "!%file,read");
	cr_assert_eq(b.strsize, 4096);
	cr_assert_eq(b.on_full, RN_ON_FULL_BLOCK);
	cr_assert_eq(b.ring_size, 2048);
	cr_assert_eq(b.rings, RN_RINGS_DEFAULT);
	cr_assert_eq(b.clock, 1);
	cr_assert_eq(b.debug, 0);
}

static unsigned nwarn;
static char lastwhy[96];
static void warn(const char *name, const char *value, const char *why)
{
	(void)name;
	(void)value;
	nwarn++;
	snprintf(lastwhy, sizeof lastwhy, "%s", why);
}

static const char *bad_name, *bad_value;
static char *get_bad(const char *name)
{
	return !strcmp(name, bad_name) ? (char *)bad_value : NULL;
}

static void refused(const char *name, const char *value, const char *why)
{
	struct rn_settings s, def;
	rn_settings_default(&def);
	bad_name = name;
	bad_value = value;
	nwarn = 0;
	rn_settings_read(&s, get_bad, warn);
	cr_assert_eq(nwarn, 1, "%s=%s: %u warnings", name, value, nwarn);
	cr_assert(strstr(lastwhy, why), "%s=%s: '%s' does not say '%s'", name, value, lastwhy, why);
	cr_assert_eq(memcmp(&s, &def, sizeof s), 0, "%s=%s changed a setting", name, value);
}

Test(settings, bad_values_keep_the_default_and_say_why)
{
	refused("RENACER_RING_SIZE", "1000", "not a power of two");
	refused("RENACER_RING_SIZE", "16", "out of range 1024..");
	refused("RENACER_STRSIZE", "-5", "non-negative integer");
	refused("RENACER_STRSIZE", "99999999999", "non-negative integer");
	refused("RENACER_STRSIZE", "5000", "out of range 0..4096");
	refused("RENACER_ON_FULL", "maybe", "expected drop or block");
	refused("RENACER_CLOCK", "hpet", "expected tsc or monotonic");
	refused("RENACER_TRACE", "nosuchcall", "unknown syscall");
	refused("RENACER_RINGS", "0", "out of range 1..");
}

Test(settings, every_setting_has_a_name_and_a_meaning)
{
	for (unsigned i = 0; i < RN_NSETTINGS; i++) {
		cr_assert(!strncmp(rn_setting_info[i].env, "RENACER_", 8));
		cr_assert_gt(strlen(rn_setting_info[i].doc), 20, "%s", rn_setting_info[i].env);
	}
}
