# SPDX-License-Identifier: BSD-3-Clause
# PmemsetDeps.cmake -- every dependency of the build. A missing one stops
# the configuration with the Debian package that provides it.

find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
	message(FATAL_ERROR "pkg-config not found: install the Debian package "
		"pkg-config")
endif()
find_package(Threads REQUIRED)

# pmemset_require_pc(<var> <pkg-config module> <Debian package>): the module
# as the imported target PkgConfig::<var>, or a configure error
macro(pmemset_require_pc var module deb)
	pkg_check_modules(${var} QUIET IMPORTED_TARGET ${module})
	if(NOT ${var}_FOUND)
		message(FATAL_ERROR "${module} not found by pkg-config: install "
			"the Debian package ${deb}")
	endif()
endmacro()

pmemset_require_pc(PMEM2 libpmem2 libpmem2-dev)
pmemset_require_pc(NDCTL libndctl libndctl-dev)
pmemset_require_pc(DAXCTL libdaxctl libdaxctl-dev)

include(CheckIncludeFile)
check_include_file(bsd/sys/tree.h HAVE_BSD_TREE_H)
if(NOT HAVE_BSD_TREE_H)
	message(FATAL_ERROR "<bsd/sys/tree.h> not found: install the Debian "
		"package libbsd-dev")
endif()

if(PMEMSET_BUILD_LUA)
	pmemset_require_pc(LUA lua5.4 liblua5.4-dev)
endif()

# pmemset_require_program(<var> <program> <Debian package> <why>)
macro(pmemset_require_program var program deb why)
	find_program(${var} ${program})
	if(NOT ${var})
		message(FATAL_ERROR "${program} not found (${why}): install the "
			"Debian package ${deb}, or configure with "
			"-DPMEMSET_BUILD_TESTS=OFF")
	endif()
endmacro()
