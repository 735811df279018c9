# SPDX-License-Identifier: BSD-3-Clause
# spec/lint.cmake -- style checks as ctest tests: luacheck on every Lua
# file, clang-format (the repo's .clang-format) on every C file.
pmemset_require_program(LUACHECK luacheck lua-check "the lint tests")
add_test(NAME lint.luacheck COMMAND ${LUACHECK} --no-color
	lua spec bench WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

pmemset_require_program(CLANG_FORMAT clang-format clang-format
	"the lint tests")
file(GLOB_RECURSE PMEMSET_C_FILES CONFIGURE_DEPENDS
	${PROJECT_SOURCE_DIR}/include/*.h
	${PROJECT_SOURCE_DIR}/src/*.c ${PROJECT_SOURCE_DIR}/src/*.h
	${PROJECT_SOURCE_DIR}/spec/*.c ${PROJECT_SOURCE_DIR}/spec/*.h
	${PROJECT_SOURCE_DIR}/bench/*.c
	${PROJECT_SOURCE_DIR}/examples/*.c)
add_test(NAME lint.clang-format COMMAND ${CLANG_FORMAT} --dry-run
	-Werror ${PMEMSET_C_FILES})

add_test(NAME lint.layers COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/layers.sh
	${PROJECT_SOURCE_DIR})

# the manual pages render without a groff warning
pmemset_require_program(GROFF groff groff-base "the lint tests")
set(PMEMSET_MAN_BUILT ${PROJECT_BINARY_DIR}/man/libpmemset.7)
if(PMEMSET_BUILD_LUA)
	list(APPEND PMEMSET_MAN_BUILT ${PROJECT_BINARY_DIR}/man/pmemset-lua.1)
endif()
add_test(NAME lint.man COMMAND sh -c
	"for page; do out=$(${GROFF} -man -ww -z -Tutf8 \"$page\" 2>&1); [ -z \"$out\" ] || { echo \"$page: $out\"; exit 1; }; done"
	lint.man ${PMEMSET_MAN_BUILT})
