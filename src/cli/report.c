/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report.c -- the --layout report: the events as they are seen (kept until
 * the report is printed), added to the table the host builds of the mapped
 * layout (pmemset_lua_push_report, the module's layout.report), which the
 * module's layout.format_report turns into text. The same table can be
 * serialised instead.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <libpmemset.h>
#include <pmemset_ext.h>

#include "report.h"

/* an event as the report shows it */
struct seen {
	enum pmemset_event type;
	char *fields;
	int result;
	char *message; /* the host's message of a failed handler, or NULL */
};

struct report {
	struct pmemset_lua *host;
	int handler_failed; /* a handler raised (a refusal is no failure) */
	struct seen *events;
	size_t nevents;
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
	for (size_t i = 0; i < (*r)->nevents; i++) {
		free((*r)->events[i].fields);
		free((*r)->events[i].message);
	}
	free((*r)->events);
	free(*r);
	*r = NULL;
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
	const char *msg = pmemset_lua_errormsg(r->host);
	if (result == PMEMSET_LUA_E_HANDLER && !strstr(msg, "handler refused"))
		r->handler_failed = 1;
	if (r->nevents == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct seen *e = realloc(r->events, cap * sizeof(*e));
		if (!e)
			return; /* the report misses the event */
		r->events = e;
		r->cap = cap;
	}
	char fields[4200];
	format_fields(ctx, fields, sizeof(fields));
	r->events[r->nevents++] =
		(struct seen){ ctx->type, strdup(fields), result,
			       result ? strdup(msg) : NULL };
}

int
report_handler_failed(const struct report *r)
{
	return r->handler_failed;
}

/* the events as a list of { event =, fields =, result =, message = } */
static void
push_events(lua_State *L, const struct report *r)
{
	lua_createtable(L, (int)r->nevents, 0);
	for (size_t i = 0; i < r->nevents; i++) {
		const struct seen *e = &r->events[i];
		lua_createtable(L, 0, 4);
		lua_pushstring(L, pmemset_lua_event_name(e->type));
		lua_setfield(L, -2, "event");
		lua_pushstring(L, e->fields ? e->fields : "");
		lua_setfield(L, -2, "fields");
		lua_pushinteger(L, e->result);
		lua_setfield(L, -2, "result");
		if (e->message) {
			lua_pushstring(L, e->message);
			lua_setfield(L, -2, "message");
		}
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}

/* 1 = the report table: its text */
static int
format_protected(lua_State *L)
{
	const struct report *r = lua_touserdata(L, 2);
	push_events(L, r);
	lua_setfield(L, 1, "events");
	/* the host loaded the module's layout functions */
	lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	lua_getfield(L, -1, "pmemset.layout");
	lua_getfield(L, -1, "format_report");
	lua_pushvalue(L, 1);
	lua_call(L, 1, 1);
	return 1;
}

int
report_print(struct report *r, struct pmemset *set, FILE *out)
{
	lua_State *L = pmemset_lua_state(r->host);
	int top = lua_gettop(L);
	int ret = pmemset_lua_push_report(r->host, set);
	if (ret)
		return ret;
	lua_pushcfunction(L, format_protected);
	lua_insert(L, -2);
	lua_pushlightuserdata(L, r);
	if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
		fprintf(stderr, "pmemset-lua: report: %s\n",
			lua_tostring(L, -1));
		ret = -1;
	} else {
		fputs(lua_tostring(L, -1), out);
	}
	lua_settop(L, top);
	return ret;
}
