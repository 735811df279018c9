# SPDX-License-Identifier: BSD-3-Clause
# spec/busted.cmake -- every spec/*_spec.lua is one ctest test running busted
# with lua5.4 on the module built in this tree (pmemset.so in
# ${PROJECT_BINARY_DIR}/lua), the Lua files of lua/ and the specs' shared
# helpers (spec/spec_support.lua).
# Specs get a scratch directory in PMEMSET_SPEC_TMPDIR and the build tree in
# PMEMSET_BUILD_DIR (for programs such as pmemset-lua).
pmemset_require_program(BUSTED_EXECUTABLE busted lua-busted "the Lua specs")
# lua/examples/*_spec.lua show operators how to test their policies
file(GLOB PMEMSET_LUA_SPECS CONFIGURE_DEPENDS
	${CMAKE_CURRENT_SOURCE_DIR}/*_spec.lua
	${PROJECT_SOURCE_DIR}/lua/examples/*_spec.lua)
set(PMEMSET_SPEC_TMPDIR ${CMAKE_CURRENT_BINARY_DIR}/tmp-lua)
file(MAKE_DIRECTORY ${PMEMSET_SPEC_TMPDIR})
foreach(spec ${PMEMSET_LUA_SPECS})
	get_filename_component(name ${spec} NAME_WE)
	add_test(NAME lua.${name}
		COMMAND ${BUSTED_EXECUTABLE} --lua=lua5.4 --output=TAP ${spec}
		WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
	# ";;" keeps the default paths (busted's own modules live there)
	set_tests_properties(lua.${name} PROPERTIES
		ENVIRONMENT "LUA_CPATH=${PROJECT_BINARY_DIR}/lua/?.so\;\;;LUA_PATH=${PROJECT_SOURCE_DIR}/lua/?.lua\;${PROJECT_SOURCE_DIR}/lua/?/init.lua\;${CMAKE_CURRENT_SOURCE_DIR}/?.lua\;\;;PMEMSET_SPEC_TMPDIR=${PMEMSET_SPEC_TMPDIR};PMEMSET_BUILD_DIR=${PROJECT_BINARY_DIR}"
		TIMEOUT 300)
endforeach()
