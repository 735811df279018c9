/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report.c -- the --layout report: one line per event as it is seen (kept
 * until the report is printed), then one row per part from the host's
 * tracking keys (parts.<n>.*), with the part map holding it.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libpmemset.h>
#include <pmemset_ext.h>

#include "report.h"

struct report {
	struct pmemset_lua *host;
	int handler_failed; /* a handler raised (a refusal is no failure) */
	char **lines;
	size_t nlines;
	size_t cap;
};

struct report *
report_new(struct pmemset_lua *host)
{
	struct report *r = calloc(1, sizeof(*r));
	if (r)
		r->host = host;
	return r;
}

void
report_delete(struct report **r)
{
	if (!*r)
		return;
	for (size_t i = 0; i < (*r)->nlines; i++)
		free((*r)->lines[i]);
	free((*r)->lines);
	free(*r);
	*r = NULL;
}

static void
add_line(struct report *r, const char *line)
{
	if (r->nlines == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		char **l = realloc(r->lines, cap * sizeof(*l));
		if (!l)
			return;
		r->lines = l;
		r->cap = cap;
	}
	char *copy = strdup(line);
	if (copy)
		r->lines[r->nlines++] = copy;
}

static const char *
path_of(struct pmemset_source *src)
{
	const char *p = src ? pmemset_source_get_path(src) : NULL;
	return p ? p : "?";
}

/* the fields of an event, after its name */
static void
format_fields(const struct pmemset_event_context *c, char *buf, size_t len)
{
	buf[0] = '\0';
	switch (c->type) {
	case PMEMSET_EVENT_PART_ADD:
		snprintf(buf, len, "addr=%p len=%zu", c->data.part_add.addr,
			 c->data.part_add.len);
		break;
	case PMEMSET_EVENT_PART_REMOVE:
	case PMEMSET_EVENT_REMOVE_RANGE:
	case PMEMSET_EVENT_FLUSH:
	case PMEMSET_EVENT_PERSIST:
		snprintf(buf, len, "addr=%p len=%zu", c->data.flush.addr,
			 c->data.flush.len);
		break;
	case PMEMSET_EVENT_SDS_UPDATE: {
		const struct pmemset_sds *s = c->data.sds_update.sds;
		snprintf(buf, len,
			 "source=%s id=%s usc=%" PRIu64 " refcount=%d",
			 path_of(c->data.sds_update.src), s->id, s->usc,
			 s->refcount);
		break;
	}
	case PMEMSET_EVENT_BADBLOCK:
		snprintf(buf, len, "source=%s offset=%zu length=%zu",
			 path_of(c->data.badblock.src),
			 c->data.badblock.bb->offset,
			 c->data.badblock.bb->length);
		break;
	case PMEMSET_EVENT_BADBLOCKS_CLEARED:
		snprintf(buf, len, "source=%s",
			 path_of(c->data.badblocks_cleared.src));
		break;
	case PMEMSET_EVENT_COPY:
	case PMEMSET_EVENT_MOVE:
		snprintf(buf, len, "dest=%p src=%p len=%zu", c->data.copy.dest,
			 c->data.copy.src, c->data.copy.len);
		break;
	case PMEMSET_EVENT_SET:
		snprintf(buf, len, "dest=%p value=%d len=%zu", c->data.set.dest,
			 c->data.set.value, c->data.set.len);
		break;
	default:
		break;
	}
}

void
report_observe(struct pmemset *set, const struct pmemset_event_context *ctx,
	       int result, void *arg)
{
	(void)set;
	struct report *r = arg;
	char fields[4200], line[8400];
	format_fields(ctx, fields, sizeof(fields));
	const char *name = pmemset_lua_event_name(ctx->type);
	const char *msg = pmemset_lua_errormsg(r->host);
	if (result == PMEMSET_LUA_E_HANDLER && !strstr(msg, "handler refused"))
		r->handler_failed = 1;
	if (result)
		snprintf(line, sizeof(line), "  %-18s %s  -> %d: %s", name,
			 fields, result, pmemset_lua_errormsg(r->host));
	else
		snprintf(line, sizeof(line), "  %-18s %s", name, fields);
	add_line(r, line);
}

int
report_handler_failed(const struct report *r)
{
	return r->handler_failed;
}

/* the part map of set holding addr: its index in address order (or -1),
 * and its size */
static long
part_map_index(struct pmemset *set, uint64_t addr, size_t *size)
{
	struct pmemset_part_map *pm = NULL, *next = NULL;
	long i = 0;
	pmemset_first_part_map(set, &pm);
	while (pm) {
		struct pmemset_part_descriptor d =
			pmemset_descriptor_part_map(pm);
		if (addr >= (uintptr_t)d.addr &&
		    addr < (uintptr_t)d.addr + d.size) {
			*size = d.size;
			pmemset_part_map_drop(&pm);
			return i;
		}
		pmemset_next_part_map(set, pm, &next);
		pmemset_part_map_drop(&pm);
		pm = next;
		i++;
	}
	return -1;
}

/* the value of parts.<n>.<field> as text into buf */
static void
part_field(struct pmemset_lua *host, const char *n, const char *field,
	   char *buf, size_t len)
{
	char key[128];
	struct pmemset_lua_value v;
	snprintf(key, sizeof(key), "parts.%s.%s", n, field);
	if (pmemset_lua_get(host, key, &v) != 0)
		snprintf(buf, len, "-");
	else if (v.type == PMEMSET_LUA_VALUE_STRING)
		snprintf(buf, len, "%s", v.str);
	else if (strcmp(field, "addr") == 0)
		snprintf(buf, len, "0x%" PRIx64, v.u64);
	else
		snprintf(buf, len, "%" PRIu64, v.u64);
}

/* one row of the parts table; rows are printed by part number */
struct row {
	unsigned long n;
	char *text;
};

struct table {
	struct report *r;
	struct pmemset *set;
	struct row *rows;
	size_t nrows, cap;
};

static int
table_add(struct table *t, unsigned long n, char *text)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct row *rows = realloc(t->rows, cap * sizeof(*rows));
		if (rows == NULL)
			return -1;
		t->rows = rows;
		t->cap = cap;
	}
	t->rows[t->nrows++] = (struct row){ n, text };
	return 0;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	return x->n < y->n ? -1 : x->n > y->n;
}

/* one row per parts.<n>.addr key (keys come in text order: 10 before 2) */
static int
collect_part(const char *key, struct pmemset_lua_value value, void *arg)
{
	struct table *t = arg;
	const char *n = key + strlen("parts.");
	const char *dot = strchr(n, '.');
	if (!dot || strcmp(dot, ".addr") != 0)
		return 0;
	char num[32], size[32], source[4096], state[64];
	snprintf(num, sizeof(num), "%.*s", (int)(dot - n), n);
	part_field(t->r->host, num, "size", size, sizeof(size));
	part_field(t->r->host, num, "source", source, sizeof(source));
	part_field(t->r->host, num, "state", state, sizeof(state));
	size_t map_size = 0;
	long map = t->set ? part_map_index(t->set, value.u64, &map_size) : -1;
	char *text;
	if (asprintf(&text,
		     "  %-5s %-4ld %12zu 0x%-16" PRIx64 " %12s  %-20s %s", num,
		     map, map_size, value.u64, size, state, source) < 0)
		return 0;
	if (table_add(t, strtoul(num, NULL, 10), text) != 0)
		free(text);
	return 0;
}

/* print_parts -- the rows in part order, then free them */
static void
print_parts(struct table *t, FILE *out)
{
	if (t->nrows > 1)
		qsort(t->rows, t->nrows, sizeof(*t->rows), row_cmp);
	for (size_t i = 0; i < t->nrows; i++) {
		fprintf(out, "%s\n", t->rows[i].text);
		free(t->rows[i].text);
	}
	if (t->nrows == 0)
		fprintf(out, "  (none)\n");
	free(t->rows);
}

void
report_print(struct report *r, struct pmemset *set, FILE *out)
{
	struct table t = { r, set, NULL, 0, 0 };
	fprintf(out, "parts:\n  %-5s %-4s %12s %-18s %12s  %-20s %s\n", "part",
		"map", "map size", "address", "size", "state", "source");
	pmemset_lua_foreach(r->host, "parts.", collect_part, &t);
	print_parts(&t, out);
	if (set)
		fprintf(out, "part maps: %zu\n", pmemset_part_map_count(set));
	fprintf(out, "events:\n");
	for (size_t i = 0; i < r->nlines; i++)
		fprintf(out, "%s\n", r->lines[i]);
	if (r->nlines == 0)
		fprintf(out, "  (none)\n");
}
