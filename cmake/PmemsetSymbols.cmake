# SPDX-License-Identifier: BSD-3-Clause
# PmemsetSymbols.cmake -- static libraries that export only the public API.
#
# A shared library hides its internal names with a version script; an
# archive cannot. So the installed archive holds one object: all of the
# library's objects linked together (ld -r), every global symbol but the
# public patterns made local (objcopy --keep-global-symbol). Internal calls
# were resolved by the partial link, so nothing is lost, and an application
# may define err_msg or index_init of its own.
#
# pmemset_hidden_archive(<target> OUTPUT_NAME <name> FROM <targets...>
#                        KEEP <symbol patterns...>)
# The archive holds the objects compiled for the FROM targets.
function(pmemset_hidden_archive target)
	cmake_parse_arguments(arg "" "OUTPUT_NAME" "FROM;KEEP" ${ARGN})
	set(obj ${CMAKE_CURRENT_BINARY_DIR}/${target}.o)
	set(objects)
	foreach(from ${arg_FROM})
		list(APPEND objects $<TARGET_OBJECTS:${from}>)
	endforeach()
	set(keep)
	foreach(pattern ${arg_KEEP})
		list(APPEND keep --keep-global-symbol=${pattern})
	endforeach()
	add_custom_command(OUTPUT ${obj}
		COMMAND ${CMAKE_LINKER} -r -o ${obj} ${objects}
		COMMAND ${CMAKE_OBJCOPY} --wildcard ${keep} ${obj}
		DEPENDS ${arg_FROM} ${objects}
		COMMENT "Linking ${target}.o, only ${arg_KEEP} global"
		COMMAND_EXPAND_LISTS VERBATIM)
	add_library(${target} STATIC ${obj})
	set_target_properties(${target} PROPERTIES LINKER_LANGUAGE C
		OUTPUT_NAME ${arg_OUTPUT_NAME})
endfunction()
