-- luacheck configuration for lua/, spec/, bench/ and examples
std = "lua54"
max_line_length = 100
files["spec/**/*_spec.lua"] = { std = "+busted" }
files["lua/examples/*_spec.lua"] = { std = "+busted" }
exclude_files = { "build*/**", ".git/**" }
