// SPDX-License-Identifier: BSD-3-Clause
//
// header_cxx.cpp -- compile-only check that libpmemset.h works from C++
// (contract §2.1: C++ extern "C" wrapper, self-sufficient header). Build
// it as an object: nothing here runs.

#include <libpmemset.h>
#include <pmemset_ext.h>

#include <cstddef>
#include <cstdint>

static_assert(sizeof(pmemset_event_context) == 72, "event context size");
static_assert(offsetof(pmemset_event_context, data) == 8, "data offset");
static_assert(sizeof(pmemset_sds) == 536, "sds size");
static_assert(offsetof(pmemset_sds, usc) == 520, "usc offset");
static_assert(offsetof(pmemset_sds, refcount) == 528, "refcount offset");
static_assert(PMEMSET_SOURCE_FILE_CREATE_VALID_FLAGS == ((0777ULL << 32) | 7),
	      "valid create flags");
static_assert(PMEMSET_E_BADBLOCK_NOSUPP == -200038, "last error code");
static_assert(PMEMSET_EVENT_BADBLOCKS_CLEARED == 11, "last event");

// a callback with C linkage type, as an application would write it
extern "C" int
cxx_callback(struct pmemset *set, struct pmemset_event_context *ctx, void *arg)
{
	(void)set;
	++*static_cast<int *>(arg);
	return ctx->type == PMEMSET_EVENT_BADBLOCKS_CLEARED ? -1 : 0;
}

// the API is callable with C++'s stricter conversions (no implicit void *)
int header_cxx_use(const char *path);

int
header_cxx_use(const char *path)
{
	struct pmemset_config *cfg = nullptr;
	int ret = pmemset_config_new(&cfg);
	if (ret)
		return ret;
	static int events;
	pmemset_config_set_event_callback(cfg, cxx_callback, &events);
	pmemset_config_set_required_store_granularity(cfg,
						      PMEM2_GRANULARITY_PAGE);
	struct pmemset *set = nullptr;
	ret = pmemset_new(&set, cfg);
	pmemset_config_delete(&cfg);
	if (ret)
		return ret;
	struct pmemset_source *src = nullptr;
	ret = pmemset_xsource_from_file(
		&src, path,
		PMEMSET_SOURCE_FILE_CREATE_ALWAYS_MODE(0644) |
			PMEMSET_SOURCE_FILE_DO_NOT_GROW);
	if (ret == 0) {
		struct pmemset_part_descriptor desc;
		ret = pmemset_map(set, src, nullptr, &desc);
		pmemset_source_delete(&src);
	}
#if __cplusplus >= 202002L
	// PMDK's initializer is designated: standard C++ only since C++20
	struct pmemset_sds sds = PMEMSET_SDS_INITIALIZE();
	(void)sds;
#endif
	pmemset_delete(&set);
	return pmemset_err_to_errno(ret);
}
