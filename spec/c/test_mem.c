/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_mem.c -- the data path: pmemset_memcpy, pmemset_memmove and
 * pmemset_memset with every flag, pmemset_persist, pmemset_flush,
 * pmemset_drain and pmemset_deep_flush, with their events (contract
 * §3.1, §3.13, §3.14).
 *
 * Every test keeps a shadow image of the file: each write through the
 * mapping is applied to the shadow too, the mapping is compared with the
 * shadow at once, and after pmemset_delete the file read back with pread
 * must equal the shadow byte for byte.
 */

#include <libpmem2.h>
#include <stdbool.h>

#include "pmemset_ext.h"
#include "ut.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

#define FILE_FILL 0x5a /* what every file holds before a test writes */

/* recorder -- the event callback's argument: a copy of every event */
#define MAX_EVENTS 16
struct recorder {
	int ret; /* what the callback returns */
	int count;
	struct pmemset *sets[MAX_EVENTS];
	struct pmemset_event_context ev[MAX_EVENTS];
};

static int
record_event(struct pmemset *set, struct pmemset_event_context *ctx, void *arg)
{
	struct recorder *r = arg;
	if (r->count >= MAX_EVENTS)
		UT_FAIL("more than %d events", MAX_EVENTS);
	r->sets[r->count] = set;
	r->ev[r->count] = *ctx;
	r->count++;
	return r->ret;
}

/* fixture -- one file of one size mapped whole as one part */
struct fixture {
	const char *path;
	size_t size;
	struct pmemset_source *src;
	struct pmemset *set;
	char *base;
	unsigned char *shadow; /* expected contents of the file */
	struct recorder rec;
};

static struct pmemset *
new_set(struct recorder *rec, struct pmem2_vm_reservation *rsv)
{
	struct pmemset_config *cfg;
	struct pmemset *set;
	UT_OK(pmemset_config_new(&cfg));
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	if (rec)
		pmemset_config_set_event_callback(cfg, record_event, rec);
	if (rsv)
		pmemset_config_set_reservation(cfg, rsv);
	UT_OK(pmemset_new(&set, cfg));
	UT_OK(pmemset_config_delete(&cfg));
	return set;
}

/* map_range -- map [offset, offset + length) of src, return the address */
static char *
map_range(struct pmemset *set, struct pmemset_source *src, size_t offset,
	  size_t length)
{
	struct pmemset_map_config *mcfg;
	struct pmemset_part_descriptor desc;
	UT_OK(pmemset_map_config_new(&mcfg));
	UT_OK(pmemset_map_config_set_offset(mcfg, offset));
	pmemset_map_config_set_length(mcfg, length);
	UT_OK(pmemset_map(set, src, mcfg, &desc));
	UT_OK(pmemset_map_config_delete(&mcfg));
	UT_ASSERTne(desc.addr, NULL);
	return desc.addr;
}

static void
shadow_new(struct fixture *f)
{
	f->shadow = malloc(f->size);
	UT_ASSERTne(f->shadow, NULL);
	memset(f->shadow, FILE_FILL, f->size);
}

/* fx_open -- file of size bytes, one set, the whole file mapped */
static void
fx_open(struct fixture *f, const char *name, size_t size, bool callback)
{
	memset(f, 0, sizeof(*f));
	f->path = ut_path(name);
	f->size = size;
	ut_file(f->path, size, FILE_FILL);
	shadow_new(f);
	UT_OK(pmemset_source_from_file(&f->src, f->path));
	f->set = new_set(callback ? &f->rec : NULL, NULL);
	f->base = map_range(f->set, f->src, 0, size);
	/* PART_ADD is not what these tests are about */
	f->rec.count = 0;
	UT_ASSERTeq(memcmp(f->base, f->shadow, size), 0);
}

/* assert_file_is -- the file on disk equals expect byte for byte */
static void
assert_file_is(const char *path, const unsigned char *expect, size_t size)
{
	UT_ASSERTeq(ut_file_size(path), size);
	unsigned char *got = malloc(size);
	UT_ASSERTne(got, NULL);
	ut_file_read(path, got, size, 0);
	for (size_t i = 0; i < size; i++) {
		if (got[i] != expect[i])
			UT_FAIL("file %s byte %zu is 0x%02x, expected 0x%02x",
				path, i, got[i], expect[i]);
	}
	free(got);
}

/* fx_close -- delete everything, then check the file against the shadow */
static void
fx_close(struct fixture *f)
{
	UT_OK(pmemset_delete(&f->set));
	UT_ASSERTeq(f->set, NULL);
	UT_OK(pmemset_source_delete(&f->src));
	assert_file_is(f->path, f->shadow, f->size);
	free(f->shadow);
	unlink(f->path);
}

static void
fill_pattern(unsigned char *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed * 31 + i * 7 + (i >> 8));
}

/*
 * The flag combinations each memory function is run with: every single
 * flag, and every hint with NODRAIN. NONTEMPORAL and WC are never combined
 * with NOFLUSH (contract §3.13).
 */
static const unsigned mem_flags[] = {
	0,
	PMEMSET_F_MEM_NODRAIN,
	PMEMSET_F_MEM_NONTEMPORAL,
	PMEMSET_F_MEM_TEMPORAL,
	PMEMSET_F_MEM_WC,
	PMEMSET_F_MEM_WB,
	PMEMSET_F_MEM_NOFLUSH,
	PMEMSET_F_MEM_NOFLUSH | PMEMSET_F_MEM_NODRAIN,
	PMEMSET_F_MEM_NONTEMPORAL | PMEMSET_F_MEM_NODRAIN,
	PMEMSET_F_MEM_TEMPORAL | PMEMSET_F_MEM_NODRAIN,
	PMEMSET_F_MEM_WC | PMEMSET_F_MEM_NODRAIN,
	PMEMSET_F_MEM_WB | PMEMSET_F_MEM_NODRAIN,
	PMEMSET_F_MEM_TEMPORAL | PMEMSET_F_MEM_NOFLUSH,
	PMEMSET_F_MEM_WB | PMEMSET_F_MEM_NOFLUSH | PMEMSET_F_MEM_NODRAIN,
};
#define N_MEM_FLAGS (sizeof(mem_flags) / sizeof(mem_flags[0]))

/* lengths each flag combination is tried with: odd, cache line, large */
static const size_t mem_lens[] = { 1, 37, 64, 4096 + 13, 300 * KiB + 5 };
#define N_MEM_LENS (sizeof(mem_lens) / sizeof(mem_lens[0]))

/* assert_drain_event -- ev is a DRAIN with an all-zero payload */
static void
assert_drain_event(const struct pmemset_event_context *ev)
{
	UT_ASSERTeq(ev->type, PMEMSET_EVENT_DRAIN);
	for (size_t i = 0; i < PMEMSET_EVENT_CONTEXT_SIZE; i++)
		UT_ASSERTeq(ev->data._data[i], 0);
}

/*
 * assert_op_events -- the recorder holds exactly the operation's event
 * (checked by the caller) followed by one DRAIN unless flags has NODRAIN
 */
static void
assert_op_events(const struct fixture *f, enum pmemset_event type,
		 unsigned flags)
{
	int expected = (flags & PMEMSET_F_MEM_NODRAIN) ? 1 : 2;
	UT_ASSERTeq(f->rec.count, expected);
	UT_ASSERTeq(f->rec.ev[0].type, type);
	for (int i = 0; i < f->rec.count; i++)
		UT_ASSERT(f->rec.sets[i] == f->set);
	if (expected == 2)
		assert_drain_event(&f->rec.ev[1]);
}

/*
 * cursor -- hands out disjoint, deliberately misaligned ranges of the
 * mapping so that every case writes its own bytes
 */
struct cursor {
	size_t next;
	size_t size;
};

static size_t
cursor_take(struct cursor *c, size_t len)
{
	size_t off = c->next + 3;
	c->next = (off + len + 63) & ~(size_t)63;
	if (c->next > c->size)
		UT_FAIL("test mapping too small");
	return off;
}

static void
test_memcpy_flags(void)
{
	struct fixture f;
	fx_open(&f, "memcpy", 8 * MiB, true);
	struct cursor cur = { 0, f.size };
	unsigned char *buf = malloc(mem_lens[N_MEM_LENS - 1]);
	UT_ASSERTne(buf, NULL);

	for (size_t fi = 0; fi < N_MEM_FLAGS; fi++) {
		for (size_t li = 0; li < N_MEM_LENS; li++) {
			unsigned flags = mem_flags[fi];
			size_t len = mem_lens[li];
			size_t off = cursor_take(&cur, len);
			char *dest = f.base + off;
			fill_pattern(buf, len, (unsigned)(fi * 16 + li));

			f.rec.count = 0;
			void *ret =
				pmemset_memcpy(f.set, dest, buf, len, flags);
			UT_ASSERT(ret == dest);
			assert_op_events(&f, PMEMSET_EVENT_COPY, flags);
			struct pmemset_event_copy *ev = &f.rec.ev[0].data.copy;
			UT_ASSERT(ev->src == buf);
			UT_ASSERT(ev->dest == dest);
			UT_ASSERTeq(ev->len, len);
			UT_ASSERTeq(ev->flags, flags);

			memcpy(f.shadow + off, buf, len);
			UT_ASSERTeq(memcmp(dest, buf, len), 0);
		}
	}
	/* the bytes around every case were not touched */
	UT_ASSERTeq(memcmp(f.base, f.shadow, f.size), 0);
	free(buf);
	fx_close(&f);
}

/* memmove inside the mapping, overlapping forwards and backwards */
static void
test_memmove_flags(void)
{
	struct fixture f;
	fx_open(&f, "memmove", 16 * MiB, true);
	struct cursor cur = { 0, f.size };
	unsigned char *buf = malloc(mem_lens[N_MEM_LENS - 1]);
	UT_ASSERTne(buf, NULL);

	for (size_t fi = 0; fi < N_MEM_FLAGS; fi++) {
		for (size_t li = 0; li < N_MEM_LENS; li++) {
			unsigned flags = mem_flags[fi];
			size_t len = mem_lens[li];
			size_t shift = len / 3 + 1;
			size_t off = cursor_take(&cur, len + shift);
			/* odd cases move up, even ones down */
			bool up = (fi + li) % 2;
			char *src = f.base + off + (up ? 0 : shift);
			char *dest = f.base + off + (up ? shift : 0);

			fill_pattern(buf, len, (unsigned)(fi * 16 + li + 7));
			memcpy(src, buf, len); /* plain store, then persisted */
			UT_OK(pmemset_persist(f.set, src, len));
			memcpy(f.shadow + (src - f.base), buf, len);

			f.rec.count = 0;
			void *ret =
				pmemset_memmove(f.set, dest, src, len, flags);
			UT_ASSERT(ret == dest);
			assert_op_events(&f, PMEMSET_EVENT_MOVE, flags);
			struct pmemset_event_move *ev = &f.rec.ev[0].data.move;
			UT_ASSERT(ev->src == src);
			UT_ASSERT(ev->dest == dest);
			UT_ASSERTeq(ev->len, len);
			UT_ASSERTeq(ev->flags, flags);

			memmove(f.shadow + (dest - f.base),
				f.shadow + (src - f.base), len);
			UT_ASSERTeq(memcmp(dest, buf, len), 0);
		}
	}
	UT_ASSERTeq(memcmp(f.base, f.shadow, f.size), 0);
	free(buf);
	fx_close(&f);
}

/* memmove from ordinary memory into the mapping */
static void
test_memmove_from_outside(void)
{
	struct fixture f;
	fx_open(&f, "memmove_out", 64 * KiB, true);
	unsigned char buf[5000];
	fill_pattern(buf, sizeof(buf), 99);
	char *dest = f.base + 1001;

	void *ret = pmemset_memmove(f.set, dest, buf, sizeof(buf), 0);
	UT_ASSERT(ret == dest);
	assert_op_events(&f, PMEMSET_EVENT_MOVE, 0);
	UT_ASSERT(f.rec.ev[0].data.move.src == buf);
	memcpy(f.shadow + 1001, buf, sizeof(buf));
	UT_ASSERTeq(memcmp(f.base, f.shadow, f.size), 0);
	fx_close(&f);
}

static void
test_memset_flags(void)
{
	/* the event carries c as passed; only its low byte is stored */
	static const int values[] = { 0xab, 0x1cd, -1, 0 };
	struct fixture f;
	fx_open(&f, "memset", 8 * MiB, true);
	struct cursor cur = { 0, f.size };

	for (size_t fi = 0; fi < N_MEM_FLAGS; fi++) {
		for (size_t li = 0; li < N_MEM_LENS; li++) {
			unsigned flags = mem_flags[fi];
			size_t len = mem_lens[li];
			int c = values[(fi + li) % 4];
			size_t off = cursor_take(&cur, len);
			char *dest = f.base + off;

			f.rec.count = 0;
			void *ret = pmemset_memset(f.set, dest, c, len, flags);
			UT_ASSERT(ret == dest);
			assert_op_events(&f, PMEMSET_EVENT_SET, flags);
			struct pmemset_event_set *ev = &f.rec.ev[0].data.set;
			UT_ASSERT(ev->dest == dest);
			UT_ASSERTeq(ev->value, c);
			UT_ASSERTeq(ev->len, len);
			UT_ASSERTeq(ev->flags, flags);

			memset(f.shadow + off, c, len);
			for (size_t i = 0; i < len; i++)
				UT_ASSERTeq((unsigned char)dest[i],
					    (unsigned char)c);
		}
	}
	UT_ASSERTeq(memcmp(f.base, f.shadow, f.size), 0);
	fx_close(&f);
}

/* length 0: the events still tell what was asked, nothing is written */
static void
test_zero_length(void)
{
	struct fixture f;
	fx_open(&f, "zero_len", 64 * KiB, true);
	char buf[8] = "abcdefg";
	char *dest = f.base + 100;

	UT_ASSERT(pmemset_memcpy(f.set, dest, buf, 0, 0) == dest);
	assert_op_events(&f, PMEMSET_EVENT_COPY, 0);
	UT_ASSERTeq(f.rec.ev[0].data.copy.len, 0);

	f.rec.count = 0;
	UT_ASSERT(pmemset_memmove(f.set, dest, buf, 0, PMEMSET_F_MEM_NODRAIN) ==
		  dest);
	assert_op_events(&f, PMEMSET_EVENT_MOVE, PMEMSET_F_MEM_NODRAIN);
	UT_ASSERTeq(f.rec.ev[0].data.move.len, 0);

	f.rec.count = 0;
	UT_ASSERT(pmemset_memset(f.set, dest, 1, 0, 0) == dest);
	assert_op_events(&f, PMEMSET_EVENT_SET, 0);
	UT_ASSERTeq(f.rec.ev[0].data.set.len, 0);

	UT_ASSERTeq(memcmp(f.base, f.shadow, f.size), 0);
	fx_close(&f);
}

/* bits outside PMEMSET_F_MEM_VALID_FLAGS: refused, nothing written */
static void
test_invalid_flags(void)
{
	static const unsigned bad[] = {
		1U << 6,
		1U << 31,
		PMEMSET_F_MEM_NODRAIN | (1U << 7),
		~0U,
	};
	struct fixture f;
	fx_open(&f, "bad_flags", 64 * KiB, true);
	char buf[256];
	memset(buf, 0x11, sizeof(buf));
	char *dest = f.base + 4096;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		UT_ASSERT(pmemset_memcpy(f.set, dest, buf, sizeof(buf),
					 bad[i]) == NULL);
		UT_ASSERTne(pmemset_errormsg()[0], '\0');
		UT_ASSERT(pmemset_memmove(f.set, dest, buf, sizeof(buf),
					  bad[i]) == NULL);
		UT_ASSERTne(pmemset_errormsg()[0], '\0');
		UT_ASSERT(pmemset_memset(f.set, dest, 0x22, sizeof(buf),
					 bad[i]) == NULL);
		UT_ASSERTne(pmemset_errormsg()[0], '\0');
	}
	UT_ASSERTeq(f.rec.count, 0);
	UT_ASSERTeq(memcmp(f.base, f.shadow, f.size), 0);
	fx_close(&f);
}

static void
test_persist_flush_drain(void)
{
	struct fixture f;
	fx_open(&f, "persist", 256 * KiB, true);

	/* plain stores made durable by flush + drain */
	char *a = f.base + 10;
	memset(a, 0x61, 5000);
	memset(f.shadow + 10, 0x61, 5000);
	UT_OK(pmemset_flush(f.set, a, 5000));
	UT_ASSERTeq(f.rec.count, 1);
	UT_ASSERTeq(f.rec.ev[0].type, PMEMSET_EVENT_FLUSH);
	UT_ASSERT(f.rec.ev[0].data.flush.addr == a);
	UT_ASSERTeq(f.rec.ev[0].data.flush.len, 5000);
	UT_ASSERT(f.rec.sets[0] == f.set);

	f.rec.count = 0;
	UT_OK(pmemset_drain(f.set));
	UT_ASSERTeq(f.rec.count, 1);
	assert_drain_event(&f.rec.ev[0]);
	UT_ASSERT(f.rec.sets[0] == f.set);

	/* persist: FLUSH with the range, then DRAIN, nothing else */
	char *b = f.base + 100 * KiB + 1;
	memset(b, 0x62, 70 * KiB);
	memset(f.shadow + 100 * KiB + 1, 0x62, 70 * KiB);
	f.rec.count = 0;
	UT_OK(pmemset_persist(f.set, b, 70 * KiB));
	UT_ASSERTeq(f.rec.count, 2);
	UT_ASSERTeq(f.rec.ev[0].type, PMEMSET_EVENT_FLUSH);
	UT_ASSERT(f.rec.ev[0].data.flush.addr == b);
	UT_ASSERTeq(f.rec.ev[0].data.flush.len, 70 * KiB);
	assert_drain_event(&f.rec.ev[1]);

	/* the whole mapping, and an empty range */
	f.rec.count = 0;
	UT_OK(pmemset_persist(f.set, f.base, f.size));
	UT_OK(pmemset_flush(f.set, f.base, 0));
	UT_ASSERTeq(f.rec.count, 3);
	UT_ASSERTeq(f.rec.ev[0].data.flush.len, f.size);
	UT_ASSERTeq(f.rec.ev[2].type, PMEMSET_EVENT_FLUSH);
	UT_ASSERT(f.rec.ev[2].data.flush.addr == f.base);
	UT_ASSERTeq(f.rec.ev[2].data.flush.len, 0);

	UT_ASSERTeq(memcmp(f.base, f.shadow, f.size), 0);
	fx_close(&f);
}

/* no event vetoes a data operation: the callback's result is ignored */
static void
test_callback_result_ignored(void)
{
	static const int results[] = { -1, 1, PMEMSET_E_UNKNOWN, -EINVAL };
	struct fixture f;
	fx_open(&f, "cb_result", 64 * KiB, true);
	unsigned char buf[1000];

	for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
		f.rec.ret = results[i];
		size_t off = i * 4 * KiB;
		char *dest = f.base + off;
		fill_pattern(buf, sizeof(buf), (unsigned)i);

		f.rec.count = 0;
		UT_ASSERT(pmemset_memcpy(f.set, dest, buf, sizeof(buf), 0) ==
			  dest);
		assert_op_events(&f, PMEMSET_EVENT_COPY, 0);
		memcpy(f.shadow + off, buf, sizeof(buf));

		f.rec.count = 0;
		UT_ASSERT(pmemset_memmove(f.set, dest + 1, dest, 500, 0) ==
			  dest + 1);
		assert_op_events(&f, PMEMSET_EVENT_MOVE, 0);
		memmove(f.shadow + off + 1, f.shadow + off, 500);

		f.rec.count = 0;
		UT_ASSERT(pmemset_memset(f.set, dest + 2000, 0x7e, 300, 0) ==
			  dest + 2000);
		assert_op_events(&f, PMEMSET_EVENT_SET, 0);
		memset(f.shadow + off + 2000, 0x7e, 300);

		f.rec.count = 0;
		UT_ASSERTeq(pmemset_persist(f.set, dest, 4 * KiB), 0);
		UT_ASSERTeq(pmemset_flush(f.set, dest, 4 * KiB), 0);
		UT_ASSERTeq(pmemset_drain(f.set), 0);
		UT_ASSERTeq(f.rec.count, 4);
		UT_ASSERTeq(f.rec.ev[0].type, PMEMSET_EVENT_FLUSH);
		assert_drain_event(&f.rec.ev[1]);
		UT_ASSERTeq(f.rec.ev[2].type, PMEMSET_EVENT_FLUSH);
		assert_drain_event(&f.rec.ev[3]);
	}
	UT_ASSERTeq(memcmp(f.base, f.shadow, f.size), 0);
	fx_close(&f);
}

/* run every data operation once on f (for the no-callback tests) */
static void
run_every_operation(struct fixture *f)
{
	unsigned char buf[3000];
	fill_pattern(buf, sizeof(buf), 5);
	UT_ASSERT(pmemset_memcpy(f->set, f->base + 7, buf, sizeof(buf), 0) ==
		  f->base + 7);
	memcpy(f->shadow + 7, buf, sizeof(buf));
	UT_ASSERT(pmemset_memmove(f->set, f->base + 9, f->base + 7, 2000,
				  PMEMSET_F_MEM_NODRAIN) == f->base + 9);
	memmove(f->shadow + 9, f->shadow + 7, 2000);
	UT_ASSERT(pmemset_memset(f->set, f->base + 8 * KiB, 0x33, 5000,
				 PMEMSET_F_MEM_NOFLUSH) == f->base + 8 * KiB);
	memset(f->shadow + 8 * KiB, 0x33, 5000);
	UT_OK(pmemset_flush(f->set, f->base, f->size));
	UT_OK(pmemset_drain(f->set));
	UT_OK(pmemset_persist(f->set, f->base, f->size));
	UT_OK(pmemset_deep_flush(f->set, f->base, f->size));
	UT_ASSERTeq(memcmp(f->base, f->shadow, f->size), 0);
}

static void
test_no_callback(void)
{
	struct fixture f;
	fx_open(&f, "no_cb", 64 * KiB, false);
	run_every_operation(&f);
	UT_ASSERTeq(f.rec.count, 0);
	fx_close(&f);

	/* a callback set and then cleared on the config delivers nothing */
	struct recorder rec = { 0 };
	struct pmemset_config *cfg;
	fx_open(&f, "cleared_cb", 64 * KiB, false);
	UT_OK(pmemset_delete(&f.set));
	UT_OK(pmemset_config_new(&cfg));
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	pmemset_config_set_event_callback(cfg, record_event, &rec);
	pmemset_config_set_event_callback(cfg, NULL, NULL);
	UT_OK(pmemset_new(&f.set, cfg));
	UT_OK(pmemset_config_delete(&cfg));
	f.base = map_range(f.set, f.src, 0, f.size);
	run_every_operation(&f);
	UT_ASSERTeq(rec.count, 0);
	fx_close(&f);
}

/* events of one set never reach the callback of another */
static void
test_events_stay_in_their_set(void)
{
	struct fixture a, b;
	fx_open(&a, "set_a", 64 * KiB, true);
	fx_open(&b, "set_b", 64 * KiB, true);
	run_every_operation(&b);
	UT_ASSERTeq(a.rec.count, 0);
	UT_ASSERTeq(b.rec.count, 9);
	fx_close(&a);
	fx_close(&b);
}

/* the pmemset_ext.h event mask filters data-path events too */
static void
test_event_mask(void)
{
	struct fixture f;
	struct pmemset_config *cfg;
	fx_open(&f, "mask", 64 * KiB, false);
	UT_OK(pmemset_delete(&f.set));
	UT_OK(pmemset_config_new(&cfg));
	UT_OK(pmemset_config_set_required_store_granularity(
		cfg, PMEM2_GRANULARITY_PAGE));
	pmemset_config_set_event_callback(cfg, record_event, &f.rec);
	UT_OK(pmemset_config_set_event_mask(
		cfg, PMEMSET_EVENT_MASK(PMEMSET_EVENT_COPY) |
			     PMEMSET_EVENT_MASK(PMEMSET_EVENT_FLUSH)));
	UT_OK(pmemset_new(&f.set, cfg));
	UT_OK(pmemset_config_delete(&cfg));
	f.base = map_range(f.set, f.src, 0, f.size);

	run_every_operation(&f);
	/* memcpy's COPY, then the FLUSH of flush and of persist */
	UT_ASSERTeq(f.rec.count, 3);
	UT_ASSERTeq(f.rec.ev[0].type, PMEMSET_EVENT_COPY);
	UT_ASSERT(f.rec.ev[0].data.copy.dest == f.base + 7);
	UT_ASSERTeq(f.rec.ev[1].type, PMEMSET_EVENT_FLUSH);
	UT_ASSERTeq(f.rec.ev[2].type, PMEMSET_EVENT_FLUSH);
	fx_close(&f);
}

/*
 * One operation may span adjacent parts: two parts placed side by side in
 * a caller reservation, mapping consecutive ranges of one file, so that
 * reservation offset x is file offset x.
 */
static void
test_span_adjacent_parts(void)
{
	const size_t part = 64 * KiB;
	struct fixture f;
	memset(&f, 0, sizeof(f));
	f.path = ut_path("span");
	f.size = 2 * part;
	ut_file(f.path, f.size, FILE_FILL);
	shadow_new(&f);
	struct pmem2_vm_reservation *rsv;
	UT_ASSERTeq(pmem2_vm_reservation_new(&rsv, NULL, f.size), 0);
	f.base = pmem2_vm_reservation_get_address(rsv);

	UT_OK(pmemset_source_from_file(&f.src, f.path));
	f.set = new_set(&f.rec, rsv);
	UT_ASSERT(map_range(f.set, f.src, 0, part) == f.base);
	UT_ASSERT(map_range(f.set, f.src, part, part) == f.base + part);
	f.rec.count = 0;

	unsigned char buf[8 * KiB];
	fill_pattern(buf, sizeof(buf), 3);
	char *dest = f.base + part - 3 * KiB;
	UT_ASSERT(pmemset_memcpy(f.set, dest, buf, sizeof(buf), 0) == dest);
	memcpy(f.shadow + part - 3 * KiB, buf, sizeof(buf));
	UT_ASSERT(pmemset_memset(f.set, f.base + 1, 0x44, f.size - 2, 0) ==
		  f.base + 1);
	memset(f.shadow + 1, 0x44, f.size - 2);
	UT_ASSERT(pmemset_memmove(f.set, f.base + part - 100, f.base + 5, 200,
				  0) == f.base + part - 100);
	memmove(f.shadow + part - 100, f.shadow + 5, 200);
	f.base[part + 17] = 0x45;
	f.shadow[part + 17] = 0x45;
	UT_OK(pmemset_persist(f.set, f.base + part - 50, 100));
	UT_OK(pmemset_deep_flush(f.set, f.base, f.size));
	UT_ASSERTeq(f.rec.count, 8);
	UT_ASSERTeq(memcmp(f.base, f.shadow, f.size), 0);

	fx_close(&f);
	UT_ASSERTeq(pmem2_vm_reservation_delete(&rsv), 0);
}

/* a set without parts: flushes are no-ops apart from their events */
static void
test_empty_set(void)
{
	struct recorder rec = { 0 };
	struct pmemset *set = new_set(&rec, NULL);
	char buf[128];

	UT_OK(pmemset_drain(set));
	UT_OK(pmemset_flush(set, buf, sizeof(buf)));
	UT_OK(pmemset_persist(set, buf, sizeof(buf)));
	UT_OK(pmemset_deep_flush(set, buf, sizeof(buf)));
	UT_ASSERTeq(rec.count, 4);
	assert_drain_event(&rec.ev[0]);
	UT_ASSERTeq(rec.ev[1].type, PMEMSET_EVENT_FLUSH);
	UT_ASSERT(rec.ev[1].data.flush.addr == buf);
	UT_ASSERTeq(rec.ev[1].data.flush.len, sizeof(buf));
	UT_ASSERTeq(rec.ev[2].type, PMEMSET_EVENT_FLUSH);
	assert_drain_event(&rec.ev[3]);
	UT_OK(pmemset_delete(&set));

	/* and a set whose only part was removed again */
	struct fixture f;
	fx_open(&f, "emptied", 64 * KiB, true);
	UT_OK(pmemset_remove_range(f.set, f.base, f.size));
	f.rec.count = 0;
	UT_OK(pmemset_persist(f.set, buf, sizeof(buf)));
	UT_OK(pmemset_drain(f.set));
	UT_OK(pmemset_deep_flush(f.set, f.base, f.size));
	UT_ASSERTeq(f.rec.count, 3);
	UT_ASSERTeq(f.rec.ev[0].type, PMEMSET_EVENT_FLUSH);
	assert_drain_event(&f.rec.ev[1]);
	assert_drain_event(&f.rec.ev[2]);
	fx_close(&f);
}

/*
 * deep_flush over eight coalesced 64 KiB parts in a caller reservation
 * (PMDK's case): every range returns 0, fires nothing, and what was
 * written without flushing is in the file afterwards.
 */
static void
test_deep_flush(void)
{
	const size_t part = 64 * KiB;
	const size_t nparts = 8;
	struct fixture f;
	memset(&f, 0, sizeof(f));
	f.path = ut_path("deep_flush");
	f.size = nparts * part;
	ut_file(f.path, f.size, FILE_FILL);
	shadow_new(&f);
	struct pmem2_vm_reservation *rsv;
	UT_ASSERTeq(pmem2_vm_reservation_new(&rsv, NULL, f.size), 0);
	f.base = pmem2_vm_reservation_get_address(rsv);

	UT_OK(pmemset_source_from_file(&f.src, f.path));
	f.set = new_set(&f.rec, rsv);
	UT_OK(pmemset_set_contiguous_part_coalescing(f.set,
						     PMEMSET_COALESCING_FULL));
	for (size_t i = 0; i < nparts; i++)
		map_range(f.set, f.src, i * part, part);
	UT_ASSERTeq(pmemset_part_map_count(f.set), 1);
	struct pmemset_part_map *pmap;
	pmemset_first_part_map(f.set, &pmap);
	UT_ASSERTne(pmap, NULL);
	struct pmemset_part_descriptor d = pmemset_descriptor_part_map(pmap);
	UT_ASSERT(d.addr == f.base);
	UT_ASSERTeq(d.size, f.size);
	pmemset_part_map_drop(&pmap);

	/* unflushed writes in every part */
	for (size_t i = 0; i < nparts; i++) {
		size_t off = i * part + 100 * i;
		UT_ASSERTne(pmemset_memset(f.set, f.base + off, (int)(0x10 + i),
					   1000,
					   PMEMSET_F_MEM_NOFLUSH |
						   PMEMSET_F_MEM_NODRAIN),
			    NULL);
		memset(f.shadow + off, (int)(0x10 + i), 1000);
	}
	f.rec.count = 0;

	char *b = f.base;
	UT_OK(pmemset_deep_flush(f.set, b, f.size));		  /* all 8 */
	UT_OK(pmemset_deep_flush(f.set, b + 4 * part, 4 * part)); /* 4 */
	UT_OK(pmemset_deep_flush(f.set, b + part / 2, 2 * part)); /* 3 */
	UT_OK(pmemset_deep_flush(f.set, b + part + 10, 100));	  /* 1 */
	UT_OK(pmemset_deep_flush(f.set, b - 2 * part, part));	  /* before */
	UT_OK(pmemset_deep_flush(f.set, b + f.size, part));	  /* after */
	UT_OK(pmemset_deep_flush(f.set, b - part, 3 * part));	  /* overlaps */

	/* a hole in the middle is skipped */
	UT_OK(pmemset_remove_range(f.set, b + 3 * part, 1));
	UT_ASSERTeq(pmemset_part_map_count(f.set), 2);
	f.rec.count = 0;
	UT_OK(pmemset_deep_flush(f.set, b, f.size));
	UT_OK(pmemset_deep_flush(f.set, b + 3 * part, part));
	UT_OK(pmemset_deep_flush(f.set, b + 3 * part + 5, 2 * part));
	UT_ASSERTeq(f.rec.count, 0);

	UT_ASSERTeq(memcmp(b, f.shadow, 3 * part), 0);
	UT_ASSERTeq(memcmp(b + 4 * part, f.shadow + 4 * part, 4 * part), 0);
	fx_close(&f);
	UT_ASSERTeq(pmem2_vm_reservation_delete(&rsv), 0);
}

int
main(void)
{
	UT_RUN(test_memcpy_flags);
	UT_RUN(test_memmove_flags);
	UT_RUN(test_memmove_from_outside);
	UT_RUN(test_memset_flags);
	UT_RUN(test_zero_length);
	UT_RUN(test_invalid_flags);
	UT_RUN(test_persist_flush_drain);
	UT_RUN(test_callback_result_ignored);
	UT_RUN(test_no_callback);
	UT_RUN(test_events_stay_in_their_set);
	UT_RUN(test_event_mask);
	UT_RUN(test_span_adjacent_parts);
	UT_RUN(test_empty_set);
	UT_RUN(test_deep_flush);
	return 0;
}
