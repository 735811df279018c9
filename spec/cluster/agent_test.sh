#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# agent_test.sh BUILD SRC -- the checks ocf-tester makes, by hand, on
# ocf:pmemset:HealthPmem (Debian 12 has no resource-agents-dev): meta-data
# is valid XML naming the parameters, every action's exit code, validate-all
# on good and bad configurations, monitor on a stopped agent. attrd_updater
# is a stand-in recording its arguments, so no cluster (and no root) is
# needed; spec/cluster/live_test.sh runs the agent in a real one.
set -u
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
AGENT=$BUILD/ocf/HealthPmem
PMEMSET_LUA=$BUILD/pmemset-lua
. "$SRC/spec/cluster/fixture.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/healthpmem-agent.XXXXXX")
trap 'rm -rf "$T"' EXIT
fixture_make "$T"

# attrd_updater stand-in: one line per call in $T/attrd.log
mkdir "$T/bin"
cat >"$T/bin/attrd_updater" <<'EOF'
#!/bin/sh
echo "$*" >>"$ATTRD_LOG"
EOF
chmod +x "$T/bin/attrd_updater"

FAILED=0
fail() {
	echo "not ok: $*"
	FAILED=1
}

# agent ACTION [VAR=value...]: runs it with the test's configuration;
# sets RC and OUT (stdout), keeps stderr in $T/err
agent() {
	action=$1
	shift
	OUT=$(env PATH="$T/bin:$PATH" ATTRD_LOG="$T/attrd.log" \
		OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=health:0 \
		OCF_RESKEY_layout="$LAYOUT" OCF_RESKEY_policy="$POLICY" \
		OCF_RESKEY_emulate="$EMU" OCF_RESKEY_pmemset_lua="$PMEMSET_LUA" \
		OCF_RESKEY_dampen=0s OCF_RESKEY_state="$T/agent.state" \
		"$@" "$AGENT" "$action" 2>"$T/err")
	RC=$?
}

expect_rc() {
	want=$1
	shift
	[ "$RC" -eq "$want" ] ||
		fail "$* exited $RC, expected $want ($(cat "$T/err"))"
}

last_attrd() {
	tail -n 1 "$T/attrd.log" 2>/dev/null
}

# --- meta-data ---
agent meta-data
expect_rc 0 meta-data
printf '%s\n' "$OUT" >"$T/meta.xml"
if command -v xmllint >/dev/null 2>&1; then
	xmllint --noout "$T/meta.xml" 2>"$T/err" ||
		fail "meta-data is not well-formed XML: $(cat "$T/err")"
	RNG=/usr/share/resource-agents/metadata.rng
	if [ -r "$RNG" ]; then
		xmllint --noout --relaxng "$RNG" "$T/meta.xml" 2>"$T/err" ||
			fail "meta-data does not follow $RNG: $(cat "$T/err")"
	fi
else
	echo "# xmllint missing: meta-data XML not validated"
fi
for p in layout policy attribute dampen indeterminate emulate; do
	grep -q "<parameter name=\"$p\"" "$T/meta.xml" ||
		fail "meta-data lacks parameter $p"
done
grep -A 6 '<parameter name="attribute"' "$T/meta.xml" |
	grep -q 'default="#health-pmem"' ||
	fail "attribute's default is not #health-pmem"
for a in start stop monitor meta-data validate-all; do
	grep -q "<action name=\"$a\"" "$T/meta.xml" ||
		fail "meta-data lacks action $a"
done

# --- usage and unknown actions ---
agent usage
expect_rc 0 usage
agent frobnicate
expect_rc 3 "an unknown action (OCF_ERR_UNIMPLEMENTED)"

# --- validate-all ---
agent validate-all
expect_rc 0 "validate-all on a good configuration"
agent validate-all OCF_RESKEY_layout=
expect_rc 6 "validate-all without layout"
agent validate-all OCF_RESKEY_layout="$T/missing.lua"
expect_rc 6 "validate-all with a missing layout"
printf 'return {\n' >"$T/broken.lua"
agent validate-all OCF_RESKEY_layout="$T/broken.lua"
expect_rc 6 "validate-all with a layout that does not parse"
grep -q "broken.lua" "$T/err" ||
	fail "the bad layout is not named: $(cat "$T/err")"
printf 'return { parts = { { file = 1 } } }\n' >"$T/badfield.lua"
agent validate-all OCF_RESKEY_layout="$T/badfield.lua"
expect_rc 6 "validate-all with a malformed layout"
printf 'return 42\n' >"$T/notable.lua"
agent validate-all OCF_RESKEY_policy="$T/notable.lua"
expect_rc 6 "validate-all with a policy returning no table"
printf 'return { health = 42 }\n' >"$T/notfn.lua"
agent validate-all OCF_RESKEY_policy="$T/notfn.lua"
expect_rc 6 "validate-all with a health that is not a function"
grep -q "health: expected a function" "$T/err" ||
	fail "the bad health field is not named: $(cat "$T/err")"
agent validate-all OCF_RESKEY_indeterminate=green
expect_rc 6 "validate-all with indeterminate=green"
agent validate-all OCF_RESKEY_pmemset_lua="$T/no-such-program"
expect_rc 5 "validate-all without pmemset-lua (OCF_ERR_INSTALLED)"

# with a pmemset-lua that has --check, validate-all asks it (a stand-in
# recording its arguments: exit 1 for a layout named bad.lua)
cat >"$T/bin/check-lua" <<EOF
#!/bin/sh
case "\$1" in
--help) echo "  --check LAYOUT [POLICY]" ;;
--check) echo "\$*" >>"$T/check.log"; case "\$2" in *bad.lua) exit 1 ;; esac ;;
*) exec "$PMEMSET_LUA" "\$@" ;;
esac
EOF
chmod +x "$T/bin/check-lua"
agent validate-all OCF_RESKEY_pmemset_lua="$T/bin/check-lua"
expect_rc 0 "validate-all through --check"
[ "$(cat "$T/check.log")" = "--check $LAYOUT $POLICY" ] ||
	fail "--check was called as '$(cat "$T/check.log")'"
cp "$LAYOUT" "$T/bad.lua"
agent validate-all OCF_RESKEY_pmemset_lua="$T/bin/check-lua" \
	OCF_RESKEY_layout="$T/bad.lua" OCF_RESKEY_policy=
expect_rc 6 "validate-all with a layout --check refuses"
[ "$(tail -n 1 "$T/check.log")" = "--check $T/bad.lua" ] ||
	fail "--check without a policy was called as" \
		"'$(tail -n 1 "$T/check.log")'"

# --- monitor, start, stop ---
agent monitor
expect_rc 7 "monitor before start (OCF_NOT_RUNNING)"
[ ! -e "$T/attrd.log" ] || fail "monitor of a stopped agent set attributes"
agent start OCF_RESKEY_layout="$T/broken.lua"
expect_rc 6 "start with a bad layout"
[ ! -e "$T/agent.state" ] || fail "a failed start left the state file"
agent start
expect_rc 0 start
[ "$(last_attrd)" = "-n #health-pmem -U green -d 0s" ] ||
	fail "start published '$(last_attrd)'"
agent monitor
expect_rc 0 monitor
[ "$(last_attrd)" = "-n #health-pmem -U green -d 0s" ] ||
	fail "monitor published '$(last_attrd)'"

emu "assert(emu.badblock_add('$POOL', 8192, 4096))" ||
	fail "cannot add a bad block"
agent monitor
expect_rc 0 "monitor with a bad block in used data"
[ "$(last_attrd)" = "-n #health-pmem -U red -d 0s" ] ||
	fail "a bad block in used data published '$(last_attrd)'"
grep -q "bad block 8192+4096" "$T/err" ||
	fail "the reason is not logged: $(cat "$T/err")"
emu "assert(emu.badblock_remove('$POOL', 0, 131072))"
emu "assert(emu.badblock_add('$POOL', 98304, 4096))"
agent monitor
[ "$(last_attrd)" = "-n #health-pmem -U yellow -d 0s" ] ||
	fail "a bad block outside used data published '$(last_attrd)'"
emu "assert(emu.badblock_remove('$POOL', 0, 131072))"
emu "assert(emu.unsafe_shutdown('dimm-0'))"
agent monitor
[ "$(last_attrd)" = "-n #health-pmem -U red -d 0s" ] ||
	fail "an unsafe shutdown published '$(last_attrd)'"
emu "assert(emu.set_usc('dimm-0', 0))"
agent monitor OCF_RESKEY_attribute=#health-pool OCF_RESKEY_dampen=3s
[ "$(last_attrd)" = "-n #health-pool -U green -d 3s" ] ||
	fail "attribute and dampen are not used: '$(last_attrd)'"

# health that cannot be determined: never green
mv "$LAYOUT" "$T/moved.lua"
agent monitor
expect_rc 0 "monitor when health cannot be determined"
[ "$(last_attrd)" = "-n #health-pmem -U red -d 0s" ] ||
	fail "undetermined health published '$(last_attrd)'"
agent monitor OCF_RESKEY_indeterminate=yellow
[ "$(last_attrd)" = "-n #health-pmem -U yellow -d 0s" ] ||
	fail "indeterminate=yellow published '$(last_attrd)'"
mv "$T/moved.lua" "$LAYOUT"

agent stop
expect_rc 0 stop
[ "$(last_attrd)" = "-D -n #health-pmem -d 0s" ] ||
	fail "stop ran '$(last_attrd)'"
agent monitor
expect_rc 7 "monitor after stop (OCF_NOT_RUNNING)"
agent stop
expect_rc 0 "stop of a stopped agent"

# the default state file drops the clone suffix and lives in HA_RSCTMP
agent start OCF_RESKEY_state= HA_RSCTMP="$T/rsc"
expect_rc 0 "start with the default state file"
[ -f "$T/rsc/HealthPmem-health.state" ] ||
	fail "no state file $T/rsc/HealthPmem-health.state"
agent stop OCF_RESKEY_state= HA_RSCTMP="$T/rsc"
[ ! -e "$T/rsc/HealthPmem-health.state" ] ||
	fail "stop left the state file"

[ "$FAILED" -eq 0 ] && echo "ok: HealthPmem agent actions"
exit "$FAILED"
