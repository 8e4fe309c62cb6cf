/* otlp_replay.c: --replay: sends a spool left by an earlier run
 * (otlp_spool.c) to the receiver, oldest batch first, then says on stderr
 * what was delivered and what stays.
 *
 * It runs alone, outside any session: it must never delete a batch the
 * receiver did not acknowledge, nor touch a batch that belongs to an
 * exporter still running.
 */
#include "otlp_sink.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "../clock.h"
#include "otlp_http.h"
#include "otlp_spool.h"

int rn_otlp_replay(const struct rn_otlp_opts *o, const char *dir)
{
	struct rn_spool *sp;
	unsigned busy;
	int rc = rn_spool_reader(&sp, dir, &busy);
	if (rc) {
		fprintf(stderr, "renacer: --replay: cannot read %s: %s\n", dir,
			rc == -EPERM ? "not a private directory of this user" : strerror(-rc));
		return 1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		rn_spool_close(sp);
		fprintf(stderr, "renacer: --replay: cannot initialise libcurl\n");
		return 1;
	}
	/* a handle per content type: a spool may hold both */
	struct rn_otlp_http *h[2] = { NULL, NULL };
	struct rn_otlp_opts *x = malloc(sizeof *x);
	size_t total = rn_spool_pending(sp, NULL), sent = 0, bad = 0, refused = 0;
	uint64_t spans = 0, rejected = 0;
	char why[256] = "";
	volatile int never = 0;
	rc = x ? 0 : -ENOMEM;
	while (!rc) {
		struct rn_spool_item it;
		int r = rn_spool_oldest(sp, &it);
		if (r == -ENOENT)
			break;
		if (r == -EBADMSG) {
			bad++;
			continue;
		}
		if (r) {
			snprintf(why, sizeof why, "cannot read a batch: %s", strerror(-r));
			break;
		}
		if (!h[it.json]) {
			*x = *o;
			x->protocol = it.json ? RN_OTLP_JSON : RN_OTLP_PROTOBUF;
			if ((rc = rn_otlp_http_new(&h[it.json], x))) {
				rn_spool_item_free(&it);
				snprintf(why, sizeof why, "%s", strerror(-rc));
				break;
			}
		}
		struct rn_otlp_result res;
		rn_otlp_http_export(h[it.json], it.body, it.len,
				    rn_mono_ns() + (uint64_t)o->export_timeout_ms * 1000000ull, &never,
				    &res);
		if (res.outcome == RN_OTLP_OK) {
			rn_spool_done(sp, &it);
			sent++;
			uint64_t rej = res.rejected > 0 ? (uint64_t)res.rejected : 0;
			rejected += rej < it.spans ? rej : it.spans;
			spans += it.spans;
		} else if (res.outcome == RN_OTLP_REJECTED) {
			/* this batch is refused, the next may not be: go on */
			refused++;
			snprintf(why, sizeof why, "%s", res.message);
			rn_spool_skip(sp);
		} else {
			snprintf(why, sizeof why, "%s", res.message[0] ? res.message : "no answer");
			rn_spool_item_free(&it);
			break;
		}
		rn_spool_item_free(&it);
	}
	size_t left = total - sent;
	fprintf(stderr, "renacer: replay: %zu of %zu batch%s (%" PRIu64 " span%s) delivered to %s",
		sent, total, total == 1 ? "" : "es", spans, spans == 1 ? "" : "s", o->endpoint);
	if (rejected)
		fprintf(stderr, ", %" PRIu64 " spans rejected by the receiver", rejected);
	if (left)
		fprintf(stderr, "; %zu left in %s%s%s%s", left, dir, why[0] ? " (" : "", why,
			why[0] ? ")" : "");
	if (bad)
		fprintf(stderr, "; %zu of them malformed", bad);
	if (busy)
		fprintf(stderr, "; %u more belong to an exporter still running", busy);
	fputc('\n', stderr);
	if (refused)
		fprintf(stderr, "renacer: replay: %zu batch%s refused by the receiver stay%s in %s\n",
			refused, refused == 1 ? "" : "es", refused == 1 ? "s" : "", dir);
	rn_otlp_http_free(h[0]);
	rn_otlp_http_free(h[1]);
	free(x);
	curl_global_cleanup();
	rn_spool_close(sp);
	return left || busy ? 1 : 0;
}
