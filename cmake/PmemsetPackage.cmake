# SPDX-License-Identifier: BSD-3-Clause
# PmemsetPackage.cmake -- what users get besides the libraries: the CMake
# package (find_package(pmemset)), docs and examples, and Debian packages
# (cpack -G DEB in the build directory; scripts/deb-smoke.sh tries them).
include(CMakePackageConfigHelpers)

set(PMEMSET_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/pmemset)
install(EXPORT pmemsetTargets NAMESPACE pmemset::
	DESTINATION ${PMEMSET_CMAKE_DIR} COMPONENT libpmemset-dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/pmemsetConfig.cmake.in
	${PROJECT_BINARY_DIR}/pmemsetConfig.cmake
	INSTALL_DESTINATION ${PMEMSET_CMAKE_DIR})
# 0.x: a new minor version may break the API
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pmemsetConfigVersion.cmake
	COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pmemsetConfig.cmake
	${PROJECT_BINARY_DIR}/pmemsetConfigVersion.cmake
	DESTINATION ${PMEMSET_CMAKE_DIR} COMPONENT libpmemset-dev)

# docs and examples: share/doc/pmemset
file(GLOB PMEMSET_DOCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PMEMSET_DOCS}
	DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT libpmemset-dev)
file(GLOB PMEMSET_C_EXAMPLES CONFIGURE_DEPENDS
	${PROJECT_SOURCE_DIR}/examples/*.c)
file(GLOB PMEMSET_LUA_EXAMPLES CONFIGURE_DEPENDS
	${PROJECT_SOURCE_DIR}/lua/examples/*.lua)
install(FILES ${PMEMSET_C_EXAMPLES}
	DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples COMPONENT libpmemset-dev)
install(FILES ${PMEMSET_LUA_EXAMPLES}
	DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/lua COMPONENT lua-pmemset)

# Debian packages, one per component
set(CPACK_PACKAGE_NAME pmemset)
set(CPACK_PACKAGE_VENDOR "pmemset")
set(CPACK_PACKAGE_CONTACT "pmemset maintainers <pmemset@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
	"libpmemset: a set of persistent-memory mappings, on libpmem2")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF) # the dependencies are listed below
set(PMEMSET_DEB_SAME "(= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_LIBPMEMSET0_PACKAGE_NAME libpmemset0)
set(CPACK_DEBIAN_LIBPMEMSET0_PACKAGE_DEPENDS
	"libc6, libpmem2 (>= 1.12), libndctl6, libdaxctl1")
set(CPACK_COMPONENT_LIBPMEMSET0_DESCRIPTION
	"libpmemset: sets of persistent-memory mappings (runtime library)")
set(CPACK_DEBIAN_LIBPMEMSET-LUA0_PACKAGE_NAME libpmemset-lua0)
set(CPACK_DEBIAN_LIBPMEMSET-LUA0_PACKAGE_DEPENDS
	"libpmemset0 ${PMEMSET_DEB_SAME}, liblua5.4-0")
set(CPACK_COMPONENT_LIBPMEMSET-LUA0_DESCRIPTION
	"libpmemset-lua: the embeddable Lua 5.4 host of libpmemset")
set(CPACK_DEBIAN_LIBPMEMSET-DEV_PACKAGE_NAME libpmemset-dev)
set(CPACK_DEBIAN_LIBPMEMSET-DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_LIBPMEMSET-DEV_PACKAGE_DEPENDS
	"libpmemset0 ${PMEMSET_DEB_SAME}, libpmemset-lua0 ${PMEMSET_DEB_SAME}, libpmem2-dev, libndctl-dev, libdaxctl-dev, liblua5.4-dev")
set(CPACK_COMPONENT_LIBPMEMSET-DEV_DESCRIPTION
	"libpmemset and libpmemset-lua: headers, static libraries, pkg-config and CMake files, manual, examples")
set(CPACK_DEBIAN_LUA-PMEMSET_PACKAGE_NAME lua-pmemset)
set(CPACK_DEBIAN_LUA-PMEMSET_PACKAGE_SECTION interpreters)
set(CPACK_DEBIAN_LUA-PMEMSET_PACKAGE_DEPENDS
	"libpmemset0 ${PMEMSET_DEB_SAME}, lua5.4, lua-dkjson")
# pmemset.testing, the policy test kit, uses lua-filesystem
set(CPACK_DEBIAN_LUA-PMEMSET_PACKAGE_RECOMMENDS "lua-filesystem")
set(CPACK_COMPONENT_LUA-PMEMSET_DESCRIPTION
	"the Lua 5.4 module of libpmemset (require pmemset)")
set(CPACK_DEBIAN_PMEMSET-LUA_PACKAGE_NAME pmemset-lua)
set(CPACK_DEBIAN_PMEMSET-LUA_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PMEMSET-LUA_PACKAGE_DEPENDS
	"libpmemset-lua0 ${PMEMSET_DEB_SAME}, libpmemset0 ${PMEMSET_DEB_SAME}, lua-dkjson")
set(CPACK_COMPONENT_PMEMSET-LUA_DESCRIPTION
	"pmemset-lua: run Lua scripts, layouts and policies over libpmemset")
include(CPack)
