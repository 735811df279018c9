/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu_state.c -- the emulated-device description in memory: the parser,
 * the validator, the formatter and the edits behind pmemset_emu_*.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_state.h"

#define MAX_FIELDS 8
#define BLANKS	   " \t\r\v\f"

static __thread char emu_msg[1024];

const char *
emu_errormsg(void)
{
	return emu_msg;
}

void
emu_error_reset(void)
{
	emu_msg[0] = '\0';
}

int
emu_error(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(emu_msg, sizeof(emu_msg), fmt, ap);
	va_end(ap);
	return code;
}

int
emu_path_covers(const char *dir, const char *path)
{
	if (strcmp(dir, "/") == 0)
		return path[0] == '/';
	size_t n = strlen(dir);
	return strncmp(dir, path, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/');
}

/* needs_escape -- bytes that would break the line or its fields */
static int
needs_escape(unsigned char c)
{
	return c <= 0x20 || c >= 0x7f || c == '%' || c == '#';
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* unescape -- decode %XX; NULL on a bad or NUL escape (errno EINVAL) */
static char *
unescape(const char *in)
{
	char *out = malloc(strlen(in) + 1);
	if (!out)
		return NULL;
	char *o = out;
	for (const char *p = in; *p; p++) {
		if (*p != '%') {
			*o++ = *p;
			continue;
		}
		int hi = hex_value(p[1]);
		int lo = hi < 0 ? -1 : hex_value(p[2]);
		if (lo < 0 || (hi == 0 && lo == 0)) {
			free(out);
			errno = EINVAL;
			return NULL;
		}
		*o++ = (char)(hi * 16 + lo);
		p += 2;
	}
	*o = '\0';
	return out;
}

/* parse_u64 -- plain decimal digits only: no sign, no blanks, no hex */
static int
parse_u64(const char *s, uint64_t *v)
{
	if (*s == '\0')
		return -1;
	uint64_t x = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* split -- cut line into blank-separated fields; MAX_FIELDS + 1 if more */
static size_t
split(char *line, char **field)
{
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(line, BLANKS, &save); t;
	     t = strtok_r(NULL, BLANKS, &save)) {
		if (n == MAX_FIELDS)
			return MAX_FIELDS + 1;
		field[n++] = t;
	}
	return n;
}

/* strip_trailing_slashes -- "/a/b/" and "/a/b" name the same directory */
static void
strip_trailing_slashes(char *path)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
}

/*
 * canonical -- no "//", "/./" or "/../": sources are matched by their
 * realpath, so such a path could never match anything
 */
static int
canonical(const char *path)
{
	if (strcmp(path, "/") == 0)
		return 1;
	const char *next;
	for (const char *c = path; c; c = next) {
		next = strchr(c + 1, '/');
		size_t n = next ? (size_t)(next - c - 1) : strlen(c + 1);
		if (n == 0 || (n == 1 && c[1] == '.') ||
		    (n == 2 && c[1] == '.' && c[2] == '.'))
			return 0;
	}
	return 1;
}

/* decode_path -- unescape an absolute path field */
static int
decode_path(const char *field, unsigned line, const char *what, char **out)
{
	*out = unescape(field);
	if (!*out)
		return errno == ENOMEM
			       ? emu_error(-ENOMEM, "out of memory")
			       : emu_error(-EINVAL,
					   "line %u: bad %%XX escape in "
					   "%s '%s'",
					   line, what, field);
	if ((*out)[0] != '/') {
		free(*out);
		*out = NULL;
		return emu_error(-EINVAL, "line %u: %s '%s' is not absolute",
				 line, what, field);
	}
	strip_trailing_slashes(*out);
	if (!canonical(*out)) {
		free(*out);
		*out = NULL;
		return emu_error(-EINVAL,
				 "line %u: %s '%s' has an empty, '.' or '..' "
				 "component (write it as realpath would)",
				 line, what, field);
	}
	return 0;
}

static int
parse_device(struct emu_state *st, char **f, size_t n, unsigned line)
{
	if (n < 3)
		return emu_error(-EINVAL,
				 "line %u: expected 'device <id> usc=<n> "
				 "path=<path>'",
				 line);
	uint64_t usc = 0;
	const char *path_field = NULL, *usc_field = NULL;
	for (size_t i = 2; i < n; i++) {
		char *eq = strchr(f[i], '=');
		if (!eq)
			return emu_error(
				-EINVAL,
				"line %u: expected key=value, got '%s'", line,
				f[i]);
		*eq = '\0';
		const char **slot = strcmp(f[i], "usc") == 0	? &usc_field
				    : strcmp(f[i], "path") == 0 ? &path_field
								: NULL;
		if (!slot)
			return emu_error(-EINVAL, "line %u: unknown key '%s'",
					 line, f[i]);
		if (*slot)
			return emu_error(-EINVAL, "line %u: key '%s' repeated",
					 line, f[i]);
		*slot = eq + 1;
	}
	if (!path_field)
		return emu_error(-EINVAL,
				 "line %u: device without path=", line);
	if (usc_field && parse_u64(usc_field, &usc))
		return emu_error(-EINVAL,
				 "line %u: usc '%s' is not a decimal number "
				 "in 0..2^64-1",
				 line, usc_field);
	char *id = unescape(f[1]);
	if (!id)
		return errno == ENOMEM
			       ? emu_error(-ENOMEM, "out of memory")
			       : emu_error(-EINVAL,
					   "line %u: bad %%XX escape in "
					   "id '%s'",
					   line, f[1]);
	char *path;
	int ret = decode_path(path_field, line, "path", &path);
	if (ret == 0)
		ret = emu_state_add_device(st, id, usc, path, line);
	free(id);
	free(path);
	return ret;
}

static int
parse_badblock(struct emu_state *st, char **f, size_t n, unsigned line)
{
	if (n != 4)
		return emu_error(-EINVAL,
				 "line %u: expected 'badblock <path> <offset> "
				 "<length>'",
				 line);
	uint64_t off, len;
	if (parse_u64(f[2], &off) || off > INT64_MAX)
		return emu_error(-EINVAL,
				 "line %u: offset '%s' is not a decimal number "
				 "in 0..2^63-1",
				 line, f[2]);
	if (parse_u64(f[3], &len) || len == 0 || len > INT64_MAX - off)
		return emu_error(
			-EINVAL,
			"line %u: length '%s' must be a decimal number "
			"> 0 with offset + length < 2^63",
			line, f[3]);
	char *path;
	int ret = decode_path(f[1], line, "path", &path);
	if (ret)
		return ret;
	ret = emu_state_add_badblock(st, path, off, len, line);
	free(path);
	return ret;
}

static int
parse_line(struct emu_state *st, const char *text, size_t len, unsigned line)
{
	if (memchr(text, '\0', len))
		return emu_error(-EINVAL, "line %u: NUL byte", line);
	char *buf = strndup(text, len);
	if (!buf)
		return emu_error(-ENOMEM, "out of memory");
	char *field[MAX_FIELDS];
	size_t n = split(buf, field);
	int ret = 0;
	if (n == 0 || field[0][0] == '#')
		ret = 0;
	else if (n > MAX_FIELDS)
		ret = emu_error(-EINVAL, "line %u: too many fields", line);
	else if (strcmp(field[0], "device") == 0)
		ret = parse_device(st, field, n, line);
	else if (strcmp(field[0], "badblock") == 0)
		ret = parse_badblock(st, field, n, line);
	else
		ret = emu_error(-EINVAL,
				"line %u: unknown keyword '%.40s' (expected "
				"'device' or 'badblock')",
				line, field[0]);
	free(buf);
	return ret;
}

int
emu_state_parse(struct emu_state *st, const char *text, size_t len)
{
	memset(st, 0, sizeof(*st));
	unsigned line = 0;
	size_t pos = 0;
	int ret = 0;
	while (ret == 0 && pos < len) {
		line++;
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		ret = parse_line(st, text + pos, n, line);
		pos += n + 1;
	}
	if (ret == 0)
		ret = emu_state_validate(st);
	if (ret)
		emu_state_clear(st);
	return ret;
}

/* where -- "line N" for parsed records, "added" for the API's */
static const char *
where(unsigned line, char *buf, size_t size)
{
	if (line)
		snprintf(buf, size, "line %u", line);
	else
		snprintf(buf, size, "the new entry");
	return buf;
}

static int
cmp_dev_id(const void *a, const void *b)
{
	const struct emu_device *x = *(const struct emu_device *const *)a;
	const struct emu_device *y = *(const struct emu_device *const *)b;
	return strcmp(x->id, y->id);
}

/* path order in which '/' sorts first: a directory's subtree follows it */
static int
path_order(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned ca = *a == '/' ? 1 : (unsigned char)*a;
		unsigned cb = *b == '/' ? 1 : (unsigned char)*b;
		if (ca != cb || ca == 0)
			return (int)ca - (int)cb;
	}
}

static int
cmp_dev_path(const void *a, const void *b)
{
	const struct emu_device *x = *(const struct emu_device *const *)a;
	const struct emu_device *y = *(const struct emu_device *const *)b;
	return path_order(x->path, y->path);
}

static int
cmp_bb(const void *a, const void *b)
{
	const struct emu_badblock *x = *(const struct emu_badblock *const *)a;
	const struct emu_badblock *y = *(const struct emu_badblock *const *)b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int
validate_ids(struct emu_device **d, size_t n)
{
	char w1[32], w2[32];
	for (size_t i = 0; i < n; i++)
		if (strlen(d[i]->id) > EMU_ID_MAX)
			return emu_error(
				-EINVAL, "%s: device id longer than %d bytes",
				where(d[i]->line, w1, sizeof(w1)), EMU_ID_MAX);
	qsort(d, n, sizeof(*d), cmp_dev_id);
	for (size_t i = 1; i < n; i++)
		if (strcmp(d[i - 1]->id, d[i]->id) == 0) {
			struct emu_device *a = d[i - 1], *b = d[i];
			if (a->line > b->line || a->line == 0) {
				a = d[i];
				b = d[i - 1];
			}
			return emu_error(
				-EINVAL,
				"%s: device id '%.64s' already used on "
				"%s",
				where(b->line, w1, sizeof(w1)), b->id,
				where(a->line, w2, sizeof(w2)));
		}
	return 0;
}

/* validate_paths -- one file lives on one device: no path under another */
static int
validate_paths(struct emu_device **d, size_t n)
{
	char w1[32], w2[32];
	qsort(d, n, sizeof(*d), cmp_dev_path);
	for (size_t i = 1; i < n; i++)
		if (emu_path_covers(d[i - 1]->path, d[i]->path))
			return emu_error(-EINVAL,
					 "%s: path '%.200s' of device '%.64s' "
					 "lies within device '%.64s' (%s)",
					 where(d[i]->line, w1, sizeof(w1)),
					 d[i]->path, d[i]->id, d[i - 1]->id,
					 where(d[i - 1]->line, w2, sizeof(w2)));
	return 0;
}

static int
validate_badblocks(const struct emu_state *st, struct emu_badblock **b,
		   size_t n)
{
	char w1[32], w2[32];
	for (size_t i = 0; i < n; i++)
		if (!emu_state_find_covering(st, b[i]->path))
			return emu_error(-EINVAL,
					 "%s: bad block in '%.200s', which no "
					 "device covers",
					 where(b[i]->line, w1, sizeof(w1)),
					 b[i]->path);
	qsort(b, n, sizeof(*b), cmp_bb);
	for (size_t i = 1; i < n; i++) {
		const struct emu_badblock *p = b[i - 1], *c = b[i];
		if (strcmp(p->path, c->path) == 0 &&
		    p->offset + p->length > c->offset)
			return emu_error(-EINVAL,
					 "%s: bad block %llu+%llu in '%.200s' "
					 "overlaps %llu+%llu (%s)",
					 where(c->line, w1, sizeof(w1)),
					 (unsigned long long)c->offset,
					 (unsigned long long)c->length, c->path,
					 (unsigned long long)p->offset,
					 (unsigned long long)p->length,
					 where(p->line, w2, sizeof(w2)));
	}
	return 0;
}

int
emu_state_validate(const struct emu_state *st)
{
	size_t n = st->ndevs > st->nbbs ? st->ndevs : st->nbbs;
	void **sorted = malloc((n ? n : 1) * sizeof(void *));
	if (!sorted)
		return emu_error(-ENOMEM, "out of memory");
	struct emu_device **d = (struct emu_device **)sorted;
	for (size_t i = 0; i < st->ndevs; i++)
		d[i] = &st->devs[i];
	int ret = validate_ids(d, st->ndevs);
	if (ret == 0)
		ret = validate_paths(d, st->ndevs);
	if (ret == 0) {
		struct emu_badblock **b = (struct emu_badblock **)sorted;
		for (size_t i = 0; i < st->nbbs; i++)
			b[i] = &st->bbs[i];
		ret = validate_badblocks(st, b, st->nbbs);
	}
	free(sorted);
	return ret;
}

/* a growing string for the formatter */
struct strbuf {
	char *s;
	size_t len;
	size_t cap;
	int oom;
};

static void
sb_put(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->oom)
		return;
	if (sb->len + n + 1 > sb->cap) {
		size_t cap = sb->cap ? sb->cap : 256;
		while (sb->len + n + 1 > cap)
			cap *= 2;
		char *p = realloc(sb->s, cap);
		if (!p) {
			sb->oom = 1;
			return;
		}
		sb->s = p;
		sb->cap = cap;
	}
	memcpy(sb->s + sb->len, s, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

static void
sb_str(struct strbuf *sb, const char *s)
{
	sb_put(sb, s, strlen(s));
}

static void
sb_escaped(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (needs_escape(c)) {
			char e[4];
			snprintf(e, sizeof(e), "%%%02X", c);
			sb_put(sb, e, 3);
		} else {
			sb_put(sb, s, 1);
		}
	}
}

static void
sb_u64(struct strbuf *sb, uint64_t v)
{
	char num[24];
	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	sb_str(sb, num);
}

char *
emu_state_format(const struct emu_state *st, size_t *len)
{
	struct strbuf sb = { 0 };
	sb_str(&sb, "# pmemset emulated devices (see docs/emulation.md)\n");
	for (size_t i = 0; i < st->ndevs; i++) {
		sb_str(&sb, "device ");
		sb_escaped(&sb, st->devs[i].id);
		sb_str(&sb, " usc=");
		sb_u64(&sb, st->devs[i].usc);
		sb_str(&sb, " path=");
		sb_escaped(&sb, st->devs[i].path);
		sb_str(&sb, "\n");
	}
	for (size_t i = 0; i < st->nbbs; i++) {
		sb_str(&sb, "badblock ");
		sb_escaped(&sb, st->bbs[i].path);
		sb_str(&sb, " ");
		sb_u64(&sb, st->bbs[i].offset);
		sb_str(&sb, " ");
		sb_u64(&sb, st->bbs[i].length);
		sb_str(&sb, "\n");
	}
	if (sb.oom) {
		free(sb.s);
		emu_error(-ENOMEM, "out of memory");
		return NULL;
	}
	*len = sb.len;
	return sb.s;
}

void
emu_state_clear(struct emu_state *st)
{
	for (size_t i = 0; i < st->ndevs; i++) {
		free(st->devs[i].id);
		free(st->devs[i].path);
	}
	for (size_t i = 0; i < st->nbbs; i++)
		free(st->bbs[i].path);
	free(st->devs);
	free(st->bbs);
	memset(st, 0, sizeof(*st));
}

/* grow -- make room for one more element of an array */
static int
grow(void **arr, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 8;
	void *p = realloc(*arr, ncap * elem);
	if (!p)
		return emu_error(-ENOMEM, "out of memory");
	*arr = p;
	*cap = ncap;
	return 0;
}

int
emu_state_add_device(struct emu_state *st, const char *id, uint64_t usc,
		     const char *path, unsigned line)
{
	if (grow((void **)&st->devs, st->ndevs, &st->devs_cap,
		 sizeof(*st->devs)))
		return -ENOMEM;
	struct emu_device *d = &st->devs[st->ndevs];
	d->id = strdup(id);
	d->path = strdup(path);
	if (!d->id || !d->path) {
		free(d->id);
		free(d->path);
		return emu_error(-ENOMEM, "out of memory");
	}
	d->usc = usc;
	d->line = line;
	st->ndevs++;
	return 0;
}

int
emu_state_add_badblock(struct emu_state *st, const char *path, uint64_t offset,
		       uint64_t length, unsigned line)
{
	if (grow((void **)&st->bbs, st->nbbs, &st->bbs_cap, sizeof(*st->bbs)))
		return -ENOMEM;
	struct emu_badblock *b = &st->bbs[st->nbbs];
	b->path = strdup(path);
	if (!b->path)
		return emu_error(-ENOMEM, "out of memory");
	b->offset = offset;
	b->length = length;
	b->line = line;
	st->nbbs++;
	return 0;
}

struct emu_device *
emu_state_find_id(const struct emu_state *st, const char *id)
{
	for (size_t i = 0; i < st->ndevs; i++)
		if (strcmp(st->devs[i].id, id) == 0)
			return &st->devs[i];
	return NULL;
}

struct emu_device *
emu_state_find_covering(const struct emu_state *st, const char *path)
{
	for (size_t i = 0; i < st->ndevs; i++)
		if (emu_path_covers(st->devs[i].path, path))
			return &st->devs[i];
	return NULL;
}

/* remove_badblock_at -- drop record i, keeping the order of the rest */
static void
remove_badblock_at(struct emu_state *st, size_t i)
{
	free(st->bbs[i].path);
	memmove(&st->bbs[i], &st->bbs[i + 1],
		(st->nbbs - i - 1) * sizeof(*st->bbs));
	st->nbbs--;
}

void
emu_state_remove_device(struct emu_state *st, struct emu_device *dev)
{
	size_t i = 0;
	while (i < st->nbbs) {
		if (emu_path_covers(dev->path, st->bbs[i].path))
			remove_badblock_at(st, i);
		else
			i++;
	}
	free(dev->id);
	free(dev->path);
	size_t at = (size_t)(dev - st->devs);
	memmove(dev, dev + 1, (st->ndevs - at - 1) * sizeof(*dev));
	st->ndevs--;
}

/*
 * emu_state_remove_badblocks -- take [offset, offset + length) out of the
 * bad blocks of path; a record that straddles an end is trimmed, one that
 * holds the whole range is split in two.
 */
int
emu_state_remove_badblocks(struct emu_state *st, const char *path,
			   uint64_t offset, uint64_t length)
{
	uint64_t end = offset + length;
	size_t i = 0;
	while (i < st->nbbs) {
		struct emu_badblock *b = &st->bbs[i];
		uint64_t bend = b->offset + b->length;
		if (strcmp(b->path, path) != 0 || bend <= offset ||
		    b->offset >= end) {
			i++;
			continue;
		}
		if (b->offset < offset && bend > end) {
			/* split: the left part stays, the right is new */
			b->length = offset - b->offset;
			return emu_state_add_badblock(st, path, end, bend - end,
						      b->line);
		}
		if (b->offset < offset) {
			b->length = offset - b->offset;
			i++;
		} else if (bend > end) {
			b->length = bend - end;
			b->offset = end;
			i++;
		} else {
			remove_badblock_at(st, i);
		}
	}
	return 0;
}

int
emu_state_overlaps_badblock(const struct emu_state *st, const char *path,
			    uint64_t offset, uint64_t length)
{
	uint64_t end = offset + length;
	for (size_t i = 0; i < st->nbbs; i++) {
		const struct emu_badblock *b = &st->bbs[i];
		if (length && b->offset < end &&
		    offset < b->offset + b->length &&
		    strcmp(b->path, path) == 0)
			return 1;
	}
	return 0;
}
