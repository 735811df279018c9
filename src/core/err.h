/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * err.h -- the last error message (thread-local) and the log.
 *
 * Every failing path of the library calls one of the err_* functions, which
 * format the message, log it at level 1 and return the code to pass up, so
 * a failure reads: return err_msg(PMEMSET_E_..., "what went wrong");
 */

#ifndef PMEMSET_ERR_H
#define PMEMSET_ERR_H 1

#include <stdarg.h>

#define PMEMSET_FMT(a, b) __attribute__((__format__(__printf__, a, b)))

/* err_msg -- set the message, return code */
int err_msg(int code, const char *fmt, ...) PMEMSET_FMT(2, 3);

/* err_errno -- as err_msg, message ends with ": strerror(errnum)" */
int err_errno(int code, int errnum, const char *fmt, ...) PMEMSET_FMT(3, 4);

/*
 * err_pmem2 -- as err_msg, message ends with libpmem2's own message and
 * code (read right after the failing libpmem2 call)
 */
int err_pmem2(int code, int pmem2_ret, const char *fmt, ...) PMEMSET_FMT(3, 4);

/* err_vmsg -- the common formatter, for wrappers in other files */
int err_vmsg(int code, const char *suffix, const char *fmt, va_list ap);

/* log levels of PMEMSET_LOG_LEVEL */
enum log_level {
	LOG_ERROR = 1, /* each failure, as in pmemset_errormsg() */
	LOG_BASIC = 2, /* basic operation trace */
	LOG_CALLS = 3, /* verbose call tracing */
	LOG_DEBUG = 4, /* developer detail */
};

extern int log_level_now;

void log_write(int level, const char *fmt, ...) PMEMSET_FMT(2, 3);

/* LOG -- cheap when the level is off: one load and a test */
#define LOG(level, ...)                                                        \
	do {                                                                   \
		if (log_level_now >= (level))                                  \
			log_write((level), __VA_ARGS__);                       \
	} while (0)

#endif /* PMEMSET_ERR_H */
