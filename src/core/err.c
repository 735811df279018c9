/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * err.c -- pmemset_errormsg, pmemset_perror, pmemset_err_to_errno and the
 * PMEMSET_LOG_LEVEL / PMEMSET_LOG_FILE log.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpmemset.h>

#include "err.h"

#define ERRMSG_MAX 1024

static __thread char errmsg[ERRMSG_MAX];

int log_level_now;
static FILE *log_file;

int
err_vmsg(int code, const char *suffix, const char *fmt, va_list ap)
{
	int n = vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	if (n < 0)
		n = 0;
	if (suffix && (size_t)n < sizeof(errmsg))
		snprintf(errmsg + n, sizeof(errmsg) - (size_t)n, "%s", suffix);
	LOG(LOG_ERROR, "%s", errmsg);
	return code;
}

int
err_msg(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vmsg(code, NULL, fmt, ap);
	va_end(ap);
	return code;
}

int
err_errno(int code, int errnum, const char *fmt, ...)
{
	char suffix[128];
	snprintf(suffix, sizeof(suffix), ": %s", strerror(errnum));
	va_list ap;
	va_start(ap, fmt);
	err_vmsg(code, suffix, fmt, ap);
	va_end(ap);
	return code;
}

int
err_pmem2(int code, int pmem2_ret, const char *fmt, ...)
{
	char suffix[512];
	snprintf(suffix, sizeof(suffix), ": libpmem2 error %d: %s", pmem2_ret,
		 pmem2_errormsg());
	va_list ap;
	va_start(ap, fmt);
	err_vmsg(code, suffix, fmt, ap);
	va_end(ap);
	return code;
}

const char *
pmemset_errormsg(void)
{
	return errmsg;
}

void
pmemset_perror(const char *format, ...)
{
	/* copy first: formatting may not clobber what we print */
	char msg[ERRMSG_MAX];
	memcpy(msg, errmsg, sizeof(msg));
	if (format) {
		va_list ap;
		va_start(ap, format);
		vfprintf(stderr, format, ap);
		va_end(ap);
	}
	fprintf(stderr, ": %s\n", msg);
}

int
pmemset_err_to_errno(int err)
{
	if (err == 0)
		return 0;
	if (err > 0)
		return EINVAL; /* a caller bug: not an error code at all */
	if (err == PMEMSET_E_NOSUPP)
		return ENOTSUP;
	/*
	 * libpmem2 codes would go through pmem2_err_to_errno, which 1.12.1
	 * does not export; its rule is the same as ours: NOSUPP -> ENOTSUP
	 * (above), every other code of the library -> EINVAL.
	 */
	if (err == PMEM2_E_NOSUPP)
		return ENOTSUP;
	if (err <= PMEM2_E_UNKNOWN)
		return EINVAL;
	return -err;
}

void
log_write(int level, const char *fmt, ...)
{
	FILE *f = log_file ? log_file : stderr;
	va_list ap;
	va_start(ap, fmt);
	flockfile(f);
	fprintf(f, "libpmemset <%d>: ", level);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	funlockfile(f);
	fflush(f);
	va_end(ap);
}

/* log_open -- a PMEMSET_LOG_FILE ending in '-' gets the PID appended */
static FILE *
log_open(const char *name)
{
	char path[4096];
	size_t len = strlen(name);
	if (len > 0 && name[len - 1] == '-')
		snprintf(path, sizeof(path), "%s%d", name, (int)getpid());
	else
		snprintf(path, sizeof(path), "%s", name);
	return fopen(path, "w");
}

__attribute__((constructor)) static void
log_init(void)
{
	const char *level = getenv("PMEMSET_LOG_LEVEL");
	if (level) {
		char *end;
		long l = strtol(level, &end, 10);
		if (*end == '\0' && l >= 0 && l <= LOG_DEBUG)
			log_level_now = (int)l;
	}
	const char *file = getenv("PMEMSET_LOG_FILE");
	if (file && *file && log_level_now > 0)
		log_file = log_open(file);
	LOG(LOG_BASIC, "log level %d", log_level_now);
}

__attribute__((destructor)) static void
log_fini(void)
{
	if (log_file)
		fclose(log_file);
	log_file = NULL;
}
