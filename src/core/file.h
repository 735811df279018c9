/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * file.h -- opening, creating and growing the files behind sources.
 */

#ifndef PMEMSET_FILE_H
#define PMEMSET_FILE_H 1

#include <stddef.h>
#include <stdint.h>

/* file_open -- open or create path per PMEMSET_SOURCE_FILE_* flags */
int file_open(const char *path, uint64_t flags, int *fd);

/* file_open_temporary -- an unnamed 0600 file in dir */
int file_open_temporary(const char *dir, int *fd);

/* file_grow -- extend (sparse) to size; never shrinks */
int file_grow(int fd, size_t size);

/* file_path_of_fd -- what the kernel reports for fd, malloc'ed or NULL */
char *file_path_of_fd(int fd);

#endif /* PMEMSET_FILE_H */
