# SPDX-License-Identifier: BSD-3-Clause
# PmemsetInstallDirs.cmake -- where things go below the install prefix. All
# of it is relative, so `cmake --install <build> --prefix P` works for any
# P: .pc files find their prefix from their own place (${pcfiledir}) and
# binaries find the libraries through a RUNPATH relative to $ORIGIN.

if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
	message(FATAL_ERROR "CMAKE_INSTALL_LIBDIR must be relative to the "
		"prefix for a relocatable install (got ${CMAKE_INSTALL_LIBDIR})")
endif()

# the Lua directories as Debian's lua5.4.pc gives them for /usr
# (INSTALL_CMOD = <libdir>/lua/5.4, INSTALL_LMOD = <prefix>/share/lua/5.4),
# with this build's libdir: lib/lua/5.4 under /usr/local, which the stock
# lua5.4 searches, and lib/<multiarch>/lua/5.4 under /usr
if(PMEMSET_BUILD_LUA)
	pkg_get_variable(PMEMSET_LUA_PC_PREFIX lua5.4 prefix)
	pkg_get_variable(PMEMSET_LUA_PC_LIBDIR lua5.4 libdir)
	pkg_get_variable(PMEMSET_LUA_PC_CMOD lua5.4 INSTALL_CMOD)
	pkg_get_variable(PMEMSET_LUA_PC_LMOD lua5.4 INSTALL_LMOD)
	set(cmod lua/5.4)
	set(lmod share/lua/5.4)
	if(PMEMSET_LUA_PC_CMOD AND PMEMSET_LUA_PC_LIBDIR)
		file(RELATIVE_PATH cmod ${PMEMSET_LUA_PC_LIBDIR}
			${PMEMSET_LUA_PC_CMOD})
	endif()
	if(PMEMSET_LUA_PC_LMOD AND PMEMSET_LUA_PC_PREFIX)
		file(RELATIVE_PATH lmod ${PMEMSET_LUA_PC_PREFIX}
			${PMEMSET_LUA_PC_LMOD})
	endif()
	set(PMEMSET_INSTALL_CMOD ${CMAKE_INSTALL_LIBDIR}/${cmod} CACHE STRING
		"Lua 5.4 C modules (pmemset.so), relative to the prefix")
	set(PMEMSET_INSTALL_LMOD ${lmod} CACHE STRING
		"Lua 5.4 modules (pmemset/*.lua), relative to the prefix")
endif()

# Every install() names the Debian package (cpack component) its files go
# to: libpmemset0, libpmemset-lua0, libpmemset-dev, lua-pmemset or
# pmemset-lua (cmake/PmemsetPackage.cmake). Files installed without one go
# with the command.
set(CMAKE_INSTALL_DEFAULT_COMPONENT_NAME pmemset-lua)

# the .pc files: the prefix seen from lib/pkgconfig
file(RELATIVE_PATH PMEMSET_PC_TO_PREFIX
	/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" PMEMSET_PC_TO_PREFIX "${PMEMSET_PC_TO_PREFIX}")

# pmemset_install_rpath(<target> <install dir>): the installed target finds
# the libraries of this project through RUNPATH $ORIGIN/<dir to libdir>
function(pmemset_install_rpath target dir)
	file(RELATIVE_PATH rel /prefix/${dir} /prefix/${CMAKE_INSTALL_LIBDIR})
	if(rel)
		set(origin "$ORIGIN/${rel}")
	else()
		set(origin "$ORIGIN")
	endif()
	set_target_properties(${target} PROPERTIES INSTALL_RPATH "${origin}")
endfunction()
