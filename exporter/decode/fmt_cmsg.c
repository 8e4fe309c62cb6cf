/* fmt_cmsg.c: a msghdr's control messages as strace prints them:
 * msg_control=[{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS,
 * cmsg_data=[5, 6]}], SCM_CREDENTIALS' {pid=, uid=, gid=}, and the header
 * alone (cmsg_len, level, type) for a message whose data strace does not
 * decode either.
 *
 * The bytes are the traced program's (or the kernel's, after recvmsg):
 * every cmsg_len is checked against what was kept before anything past
 * the header is read. Never writes past the caller's buffer, allocates,
 * or prints by itself.
 */
#include "fmt_priv.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static void put_rights(struct rn_tb *b, const uint8_t *p, size_t n)
{
	rn_tb_str(b, "[");
	for (size_t i = 0; i + sizeof(int) <= n; i += sizeof(int)) {
		int fd;
		memcpy(&fd, p + i, sizeof fd);
		rn_tb_fmt(b, i ? ", %d" : "%d", fd);
	}
	rn_tb_str(b, "]");
}

/* an id as strace prints it: -1 for "no id", else unsigned */
static void put_id(struct rn_tb *b, const char *field, uint32_t v)
{
	if (v == UINT32_MAX)
		rn_tb_fmt(b, "%s=-1", field);
	else
		rn_tb_fmt(b, "%s=%u", field, v);
}

/* cmsg_type and, for the types strace decodes, cmsg_data (len bytes) */
static void put_type_data(struct rn_tb *b, int level, int type, const uint8_t *p, size_t len)
{
	if (level == SOL_IP) {
		/* strace names them (its data decoders are not here) */
		const char *ip = rn_xlat_name(RN_XLAT(sockopts_ip), (uint32_t)type);
		if (ip)
			rn_tb_str(b, ip);
		else
			rn_tb_fmt(b, "%#x /* IP_??? */", (unsigned)type);
		return;
	}
	if (level != SOL_SOCKET) {
		rn_tb_fmt(b, "%#x", (unsigned)type);
		return;
	}
	const char *s = rn_xlat_name(RN_XLAT(scm_types), (uint32_t)type);
	if (!s) {
		rn_tb_fmt(b, "%#x /* SCM_??? */", (unsigned)type);
		return;
	}
	rn_tb_str(b, s);
	if (type == SCM_RIGHTS && len >= sizeof(int)) {
		rn_tb_str(b, ", cmsg_data=");
		put_rights(b, p, len);
	} else if (type == SCM_CREDENTIALS && len >= sizeof(struct ucred)) {
		struct ucred u;
		memcpy(&u, p, sizeof u);
		rn_tb_fmt(b, ", cmsg_data={pid=%d, ", (int)u.pid);
		put_id(b, "uid", u.uid);
		rn_tb_str(b, ", ");
		put_id(b, "gid", u.gid);
		rn_tb_str(b, "}");
	}
}

void rn_put_cmsgs(struct rn_tb *b, const uint8_t *p, size_t n, uint64_t controllen, uint64_t addr)
{
	const size_t hs = sizeof(struct cmsghdr);
	size_t off = 0;
	rn_tb_str(b, "[");
	while (n - off >= hs) {
		struct cmsghdr h;
		memcpy(&h, p + off, hs);
		size_t left = n - off;
		rn_tb_fmt(b, "%s{cmsg_len=%zu, cmsg_level=", off ? ", " : "", (size_t)h.cmsg_len);
		const char *lv = rn_xlat_name(RN_XLAT(sock_levels), (uint32_t)h.cmsg_level);
		if (lv)
			rn_tb_str(b, lv);
		else
			rn_tb_fmt(b, "%#x /* SOL_??? */", (unsigned)h.cmsg_level);
		rn_tb_str(b, ", cmsg_type=");
		size_t len = h.cmsg_len > left ? left - hs : h.cmsg_len >= hs ? h.cmsg_len - hs : 0;
		put_type_data(b, h.cmsg_level, h.cmsg_type, p + off + hs, len);
		rn_tb_str(b, "}");
		if (h.cmsg_len < hs) {	/* strace: what follows is not read */
			off += hs;
			break;
		}
		size_t step = (h.cmsg_len + sizeof(size_t) - 1) & ~(sizeof(size_t) - 1);
		if (step >= left) {
			off = n;
			break;
		}
		off += step;
	}
	/* bytes past the last header, or more than the shim kept: strace's
	 * "..." and where the rest starts */
	if (off < n || n < controllen)
		rn_tb_fmt(b, "%s... /* %#llx */", off ? ", " : "", (unsigned long long)(addr + off));
	rn_tb_str(b, "]");
}
