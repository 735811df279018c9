/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * health.h -- pmemset-lua --health (health.c), kept apart from main.c's
 * options: a health evaluation takes its own.
 */

#ifndef PMEMSET_CLI_HEALTH_H
#define PMEMSET_CLI_HEALTH_H 1

/* 1 when the command line asks for --health */
int health_wanted(int argc, char *argv[]);

/* parses the --health command line and evaluates it; the exit status */
int health_main(int argc, char *argv[]);

#endif /* PMEMSET_CLI_HEALTH_H */
