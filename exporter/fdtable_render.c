/* fdtable_render.c: what -y/-yy print behind a descriptor: a file's path
 * (with <char M:N> for devices under -yy), the kernel's name of a pipe or
 * socket, or under -yy a socket's protocol and endpoints as strace shows
 * them (TCP:[127.0.0.1:80->127.0.0.1:5000], UNIX-STREAM:[INO->PEER]).
 *
 * It must never change the table, and never trust a stored address beyond
 * its length.
 */
#include "fdtable_priv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include "redact.h"

static void put_addr(char *b, size_t cap, const uint8_t *a, size_t n)
{
	sa_family_t fam;
	char ip[INET6_ADDRSTRLEN];
	if (n < sizeof fam) {
		snprintf(b, cap, "?");
		return;
	}
	memcpy(&fam, a, sizeof fam);
	if (fam == AF_INET && n >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in s;
		memcpy(&s, a, sizeof s);
		inet_ntop(AF_INET, &s.sin_addr, ip, sizeof ip);
		snprintf(b, cap, "%s:%u", ip, ntohs(s.sin_port));
	} else if (fam == AF_INET6 && n >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 s;
		memcpy(&s, a, sizeof s);
		inet_ntop(AF_INET6, &s.sin6_addr, ip, sizeof ip);
		snprintf(b, cap, "[%s]:%u", ip, ntohs(s.sin6_port));
	} else if (fam == AF_UNIX && n > sizeof fam) {
		const char *path = (const char *)a + sizeof fam;
		size_t l = strnlen(path, n - sizeof fam);
		if (!l && n > sizeof fam + 1)	/* abstract: strace's @name */
			snprintf(b, cap, "\"@%.*s\"", (int)strnlen(path + 1, n - sizeof fam - 1), path + 1);
		else
			snprintf(b, cap, "\"%.*s\"", (int)l, path);
	} else {
		snprintf(b, cap, "?");
	}
}

static const char *sock_proto(const struct fde *e)
{
	int ty = e->type & 0xf;
	switch (e->family) {
	case AF_INET:
		return ty == SOCK_STREAM ? "TCP" : ty == SOCK_DGRAM ? "UDP" : ty == SOCK_RAW ? "RAW" : NULL;
	case AF_INET6:
		return ty == SOCK_STREAM ? "TCPv6" : ty == SOCK_DGRAM ? "UDPv6" : ty == SOCK_RAW ? "RAWv6" : NULL;
	case AF_UNIX:
		return ty == SOCK_STREAM ? "UNIX-STREAM" : ty == SOCK_DGRAM ? "UNIX-DGRAM"
			: ty == SOCK_SEQPACKET ? "UNIX-SEQPACKET" : "UNIX";
	case AF_NETLINK:
		return "NETLINK";
	default:
		return NULL;
	}
}

/* What -y/-yy print between < and > for e, into b: 1 when renacer
 * composed it (TCP:[A->B]), 0 when it is a name as the kernel gives it. */
static int render(const struct rn_fdt *t, const struct fde *e, char *b, size_t cap)
{
	char l[128], r[128];
	switch (e->kind) {
	case K_FILE:
		snprintf(b, cap, "%s", e->name ? e->name : "?");
		if ((t->decode & RN_FDT_DEV) && e->name && !strncmp(e->name, "/dev/", 5)) {
			struct stat st;
			size_t k = strlen(b);
			if (!stat(e->name, &st) && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
				snprintf(b + k, cap - k, "<%s %u:%u>", S_ISCHR(st.st_mode) ? "char" : "block",
					 major(st.st_rdev), minor(st.st_rdev));
		}
		return 0;
	case K_PIPE:
		if (e->ino)
			snprintf(b, cap, "pipe:[%lu]", e->ino);
		else
			snprintf(b, cap, "pipe:[?]");
		return 0;
	case K_SOCK: {
		const char *proto = (t->decode & RN_FDT_SOCKET) ? sock_proto(e) : NULL;
		if (!proto) {
			if (e->ino)
				snprintf(b, cap, "socket:[%lu]", e->ino);
			else
				snprintf(b, cap, "socket:[?]");
			return 0;
		}
		if (e->family == AF_UNIX) {
			/* strace: inode, the peer's inode, and a bound path */
			char ino[24] = "?", peer[24] = "";
			if (e->ino)
				snprintf(ino, sizeof ino, "%lu", e->ino);
			if (e->peer)
				snprintf(peer, sizeof peer, "->%lu", e->peer);
			else if (e->paired)
				snprintf(peer, sizeof peer, "->?");
			if (e->llen > sizeof(sa_family_t) + 1 || e->rlen > sizeof(sa_family_t) + 1) {
				put_addr(l, sizeof l, e->llen > 2 ? e->local : e->remote,
					 e->llen > 2 ? e->llen : e->rlen);
				snprintf(b, cap, "%s:[%s%s,%s]", proto, ino, peer, l);
			} else {
				snprintf(b, cap, "%s:[%s%s]", proto, ino, peer);
			}
			return 1;
		}
		if (e->llen && e->rlen) {
			put_addr(l, sizeof l, e->local, e->llen);
			put_addr(r, sizeof r, e->remote, e->rlen);
			snprintf(b, cap, "%s:[%s->%s]", proto, l, r);
		} else if (e->llen) {
			put_addr(l, sizeof l, e->local, e->llen);
			snprintf(b, cap, "%s:[%s]", proto, l);
		} else if (e->rlen) {
			/* our own end's port is the kernel's choice, not in
			 * any record: said as unknown (docs: -yy) */
			put_addr(r, sizeof r, e->remote, e->rlen);
			snprintf(b, cap, "%s:[?->%s]", proto, r);
		} else if (e->ino) {
			snprintf(b, cap, "%s:[%lu]", proto, e->ino);
		} else {
			snprintf(b, cap, "%s:[?]", proto);
		}
		return 1;
	}
	default:
		snprintf(b, cap, "%s", e->name ? e->name : "?");
		return 0;
	}
}

/* render, then --redact-paths over the result */
int rn_fdt_render(const struct rn_fdt *t, const struct fde *e, char *b, size_t cap)
{
	int made = render(t, e, b, cap);
	if (t->redact)
		rn_redact_str(t->redact, b, cap);
	return made;
}
