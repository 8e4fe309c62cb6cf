/* otlp_sampler.c: the trace samplers of OTEL_TRACES_SAMPLER, as the
 * OpenTelemetry trace SDK specification (trace/sdk.md, "Built-in
 * samplers") defines them. A pure function of its arguments: the same
 * trace gets the same decision in every exporter of a session.
 *
 * TraceIdRatioBased: the randomness R is the trace id's 7 rightmost bytes
 * (56 bits, W3C Trace Context Level 2), the rejection threshold is
 * T = (1 - ratio) * 2^56, and the trace is sampled when R >= T. It ignores
 * the parent's sampled flag; the parentbased_* samplers follow it (a
 * sampled parent: AlwaysOn, else AlwaysOff) and ask their root sampler
 * only for a trace with no parent. Nothing here prints.
 */
#include "otlp_env.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RN_R_BITS 56
#define RN_R_MAX (1ull << RN_R_BITS)

/* The rejection threshold of ratio, in [0, 2^56]. */
static uint64_t rn_threshold(double ratio)
{
	if (!(ratio > 0))
		return RN_R_MAX;	/* nothing is >= 2^56: never sampled */
	if (ratio >= 1)
		return 0;
	/* rounded as the specification's threshold encoding does: the
	 * nearest 56-bit integer */
	return (uint64_t)llround((1.0 - ratio) * (double)RN_R_MAX);
}

static int rn_ratio_sampled(double ratio, const uint8_t trace_id[16])
{
	uint64_t r = 0;
	for (int i = 16 - RN_R_BITS / 8; i < 16; i++)
		r = r << 8 | trace_id[i];
	return r >= rn_threshold(ratio);
}

int rn_otlp_sampled(enum rn_sampler s, double ratio, const uint8_t trace_id[16], int has_parent,
		    int remote, int parent_sampled)
{
	(void)remote;	/* the default delegates are the same for both kinds */
	switch (s) {
	case RN_SAMPLER_ALWAYS_ON:
		return 1;
	case RN_SAMPLER_ALWAYS_OFF:
		return 0;
	case RN_SAMPLER_RATIO:
		return rn_ratio_sampled(ratio, trace_id);
	case RN_SAMPLER_PB_ALWAYS_ON:
		return has_parent ? parent_sampled : 1;
	case RN_SAMPLER_PB_ALWAYS_OFF:
		return has_parent ? parent_sampled : 0;
	case RN_SAMPLER_PB_RATIO:
		return has_parent ? parent_sampled : rn_ratio_sampled(ratio, trace_id);
	}
	return 1;
}

int rn_otlp_sampler_parse(const char *name, const char *arg, enum rn_sampler *s, double *ratio)
{
	static const struct {
		const char *name;
		enum rn_sampler s;
	} names[] = {
		{ "always_on", RN_SAMPLER_ALWAYS_ON },
		{ "always_off", RN_SAMPLER_ALWAYS_OFF },
		{ "traceidratio", RN_SAMPLER_RATIO },
		{ "parentbased_always_on", RN_SAMPLER_PB_ALWAYS_ON },
		{ "parentbased_always_off", RN_SAMPLER_PB_ALWAYS_OFF },
		{ "parentbased_traceidratio", RN_SAMPLER_PB_RATIO },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(name, names[i].name))
			continue;
		double r = 1.0;	/* the specification's default argument */
		int takes = names[i].s == RN_SAMPLER_RATIO || names[i].s == RN_SAMPLER_PB_RATIO;
		if (takes && arg) {
			char *end;
			r = strtod(arg, &end);
			if (end == arg || *end || !(r >= 0 && r <= 1))
				return -2;
		}
		*s = names[i].s;
		*ratio = r;
		return 0;
	}
	return -1;
}
