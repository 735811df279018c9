#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# live_test.sh BUILD SRC -- ocf:pmemset:HealthPmem in a real cluster: a
# one-node corosync + pacemaker on 127.0.0.1 (no systemd), with
# node-health-strategy=migrate-on-red, a Dummy resource and the health agent
# cloned over a pool on an emulated device.
#   1. a bad block in the pool's used data: #health-pmem turns red and the
#      Dummy stops; the time it took is printed
#   2. the bad block removed: green, the Dummy starts again
#   3. an unsafe shutdown that replaced the device (new id, usc 1): red, the
#      Dummy stops; the old device back: green, it starts again
# Needs root, corosync and pacemaker, and no cluster already running here;
# otherwise it is skipped (exit 77) with the reason. Every daemon is started
# with setsid and stopped by its PID; the trap puts /var/lib/pacemaker's cib
# and pengine directories back and removes the agent's temporary provider
# directory even when a step fails. HEALTH_INTERVAL (seconds, default 2) and
# HEALTH_DAMPEN (default 1s) set the agent's monitor interval and dampening;
# PMEMSET_SKIP_CLUSTER=1 skips it (a CI machine that cannot spare the time).
# shellcheck disable=SC2317 # the trap and wait_for call these functions
set -u
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
INTERVAL=${HEALTH_INTERVAL:-2}
DAMPEN=${HEALTH_DAMPEN:-1s}
OCF_DIR=/usr/lib/ocf/resource.d
PCMK_DIR=/var/lib/pacemaker
LOCK=/run/lock/pmemset-cluster-test.lock

skip() {
	echo "SKIP: $*"
	exit 77
}

[ -z "${PMEMSET_SKIP_CLUSTER:-}" ] || skip "PMEMSET_SKIP_CLUSTER is set"
[ "$(id -u)" -eq 0 ] || skip "a live cluster needs root"
for prog in corosync corosync-cfgtool pacemakerd attrd_updater crm_resource \
	cibadmin crm_attribute flock setsid; do
	command -v "$prog" >/dev/null 2>&1 ||
		skip "$prog not found (install corosync pacemaker pacemaker-cli-utils)"
done
[ -x "$OCF_DIR/pacemaker/Dummy" ] ||
	skip "ocf:pacemaker:Dummy not found (install pacemaker-resource-agents)"
[ -d "$PCMK_DIR" ] || skip "$PCMK_DIR missing (install pacemaker)"
id hacluster >/dev/null 2>&1 || skip "no hacluster user (install pacemaker)"

# one live test per machine at a time (other build trees run it too)
exec 9>"$LOCK"
flock -w 600 9 || skip "$LOCK stayed locked for 10 minutes"
# a cluster of the machine's own would share corosync's IPC names and the
# CIB directory: leave it alone
if pidof corosync >/dev/null 2>&1 || pidof pacemakerd >/dev/null 2>&1; then
	skip "corosync or pacemakerd is already running on this machine"
fi

PMEMSET_LUA=$BUILD/pmemset-lua
. "$SRC/spec/cluster/fixture.sh"
T=$(mktemp -d /tmp/healthpmem-live.XXXXXX)
chmod 755 "$T"
NODE=$(uname -n)
PROVIDER=pmemset-test-$$
COROSYNC_PID=
PACEMAKER_PID=
MOVED=
# pacemakerd makes its directory hacluster's: the owner and mode go back too
PCMK_OWNER=$(stat -c %u:%g "$PCMK_DIR")
PCMK_MODE=$(stat -c %a "$PCMK_DIR")
# pacemakerd makes /run/crm too: removed if it was not there
RUN_CRM_NEW=
[ -e /run/crm ] || RUN_CRM_NEW=1

# stop PID (a session leader we started) with TERM, then KILL its session
# after SECONDS
stop_daemon() {
	pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	n=0
	while kill -0 "$pid" 2>/dev/null && [ "$n" -lt "$(($2 * 10))" ]; do
		sleep 0.1
		n=$((n + 1))
	done
	# the daemon and the children it left behind share its process group
	kill -KILL -- "-$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	status=$?
	trap - EXIT INT TERM
	stop_daemon "$PACEMAKER_PID" 60
	stop_daemon "$COROSYNC_PID" 15
	for d in $MOVED; do
		rm -rf "${PCMK_DIR:?}/$d"
		mv "$T/saved-$d" "$PCMK_DIR/$d"
	done
	[ -z "$PCMK_OWNER" ] || chown "$PCMK_OWNER" "$PCMK_DIR"
	[ -z "$PCMK_MODE" ] || chmod "$PCMK_MODE" "$PCMK_DIR"
	[ -z "$RUN_CRM_NEW" ] || rmdir /run/crm 2>/dev/null
	rm -rf "${OCF_DIR:?}/$PROVIDER"
	if [ "$status" -ne 0 ] && [ "$status" -ne 77 ]; then
		echo "# logs:"
		tail -n 40 "$T/pacemaker.log" 2>/dev/null | sed 's/^/#   /'
	fi
	if [ -n "${HEALTH_KEEP:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

FAILED=0
fail() {
	echo "not ok: $*"
	FAILED=1
}

now() {
	date +%s.%N
}

elapsed() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'
}

# wait_for SECONDS COMMAND...: polls every 0.1 s; 0 when it succeeded
wait_for() {
	limit=$(($1 * 10))
	shift
	n=0
	until "$@"; do
		n=$((n + 1))
		[ "$n" -lt "$limit" ] || return 1
		sleep 0.1
	done
}

health_is() {
	attrd_updater -Q -n '#health-pmem' -N "$NODE" 2>/dev/null |
		grep -q "value=\"$1\""
}

dummy_running() {
	crm_resource --locate -r dummy 2>/dev/null | grep -q "running on: $NODE"
}

dummy_stopped() {
	crm_resource --locate -r dummy 2>&1 | grep -q "NOT running"
}

# --- the pool, the agent, corosync, the CIB ---
fixture_make "$T"
mkdir -p "$OCF_DIR/$PROVIDER"
cp "$BUILD/ocf/HealthPmem" "$OCF_DIR/$PROVIDER/HealthPmem"

mkdir "$T/corosync-state"
cat >"$T/corosync.conf" <<EOF
totem {
	version: 2
	cluster_name: pmemset-test
	transport: knet
	crypto_cipher: none
	crypto_hash: none
}
nodelist {
	node {
		ring0_addr: 127.0.0.1
		name: $NODE
		nodeid: 1
	}
}
quorum {
	provider: corosync_votequorum
}
system {
	state_dir: $T/corosync-state
}
logging {
	to_logfile: yes
	logfile: $T/corosync.log
	to_syslog: no
	to_stderr: no
}
EOF

cibadmin --empty >"$T/cib.xml" || exit 1
export CIB_file="$T/cib.xml"
crm_attribute -t crm_config -n dc-deadtime -v 2s
crm_attribute -t crm_config -n stonith-enabled -v false
crm_attribute -t crm_config -n node-health-strategy -v migrate-on-red
cibadmin -C -o resources -X "
<primitive id=\"dummy\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\">
  <instance_attributes id=\"dummy-params\">
    <nvpair id=\"dummy-state\" name=\"state\" value=\"$T/dummy.state\"/>
  </instance_attributes>
  <operations>
    <op id=\"dummy-monitor\" name=\"monitor\" interval=\"10s\"/>
  </operations>
</primitive>"
cibadmin -C -o resources -X "
<clone id=\"pmem-health-clone\">
  <meta_attributes id=\"pmem-health-clone-meta\">
    <nvpair id=\"pmem-health-clone-unhealthy\" name=\"allow-unhealthy-nodes\"
            value=\"true\"/>
  </meta_attributes>
  <primitive id=\"pmem-health\" class=\"ocf\" provider=\"$PROVIDER\"
             type=\"HealthPmem\">
    <instance_attributes id=\"pmem-health-params\">
      <nvpair id=\"pmem-health-layout\" name=\"layout\" value=\"$LAYOUT\"/>
      <nvpair id=\"pmem-health-policy\" name=\"policy\" value=\"$POLICY\"/>
      <nvpair id=\"pmem-health-emulate\" name=\"emulate\" value=\"$EMU\"/>
      <nvpair id=\"pmem-health-dampen\" name=\"dampen\" value=\"$DAMPEN\"/>
      <nvpair id=\"pmem-health-prog\" name=\"pmemset_lua\"
              value=\"$PMEMSET_LUA\"/>
      <nvpair id=\"pmem-health-state\" name=\"state\"
              value=\"$T/health.state\"/>
    </instance_attributes>
    <operations>
      <op id=\"pmem-health-monitor\" name=\"monitor\" interval=\"${INTERVAL}s\"/>
    </operations>
  </primitive>
</clone>"
unset CIB_file

# pacemaker keeps its CIB and scheduler inputs here: ours replace them
for d in cib pengine; do
	if [ -e "$PCMK_DIR/$d" ]; then
		mv "$PCMK_DIR/$d" "$T/saved-$d" || exit 1
	else
		mkdir "$T/saved-$d"
	fi
	MOVED="$MOVED $d"
	mkdir -m 750 "$PCMK_DIR/$d"
	chown hacluster:haclient "$PCMK_DIR/$d"
done
install -o hacluster -g haclient -m 600 "$T/cib.xml" "$PCMK_DIR/cib/cib.xml"

# --- the cluster ---
start=$(now)
setsid corosync -f -c "$T/corosync.conf" >"$T/corosync.out" 2>&1 &
COROSYNC_PID=$!
wait_for 20 corosync-cfgtool -s >/dev/null 2>&1 || {
	fail "corosync did not start: $(cat "$T/corosync.out")"
	exit 1
}
setsid env PCMK_logfile="$T/pacemaker.log" PCMK_logfacility=none \
	pacemakerd >"$T/pacemakerd.out" 2>&1 &
PACEMAKER_PID=$!
if ! wait_for 60 dummy_running || ! wait_for 20 health_is green; then
	fail "the cluster did not come up with Dummy running and health green"
	crm_mon -1 -A 2>&1 | sed 's/^/#   /'
	exit 1
fi
echo "# cluster up, Dummy running, #health-pmem green after" \
	"$(elapsed "$start" "$(now)") s"

# step WHAT LUA COLOUR RUNNING: change the emulated device with LUA; wait for
# #health-pmem = COLOUR and the Dummy running (yes) or stopped (no)
step() {
	what=$1
	t0=$(now)
	emu "$2" || fail "$what: cannot change the emulated device"
	if ! wait_for 60 health_is "$3"; then
		fail "$what: #health-pmem is not $3"
		attrd_updater -Q -n '#health-pmem' -N "$NODE" 2>&1 |
			sed 's/^/#   /'
		return
	fi
	t1=$(now)
	if [ "$4" = yes ]; then
		wait_for 60 dummy_running || fail "$what: Dummy did not start"
	else
		wait_for 60 dummy_stopped || fail "$what: Dummy did not stop"
	fi
	t2=$(now)
	echo "# $what: #health-pmem $3 after $(elapsed "$t0" "$t1") s," \
		"Dummy $([ "$4" = yes ] && echo started || echo stopped)" \
		"after $(elapsed "$t0" "$t2") s (monitor every ${INTERVAL} s," \
		"dampen $DAMPEN)"
	if [ "$4" = no ]; then
		within=$(awk -v a="$t0" -v b="$t2" -v i="$INTERVAL" \
			'BEGIN { print (b - a <= 2 * i) ? "within" : "beyond" }')
		echo "#   $within two monitor intervals"
	fi
}

step "bad block in used data" \
	"assert(emu.badblock_add('$POOL', 8192, 4096))" red no
step "bad block removed" \
	"assert(emu.badblock_remove('$POOL', 0, 131072))" green yes
step "unsafe shutdown, device replaced" \
	"assert(emu.device_remove('dimm-0'));
	 assert(emu.device_add('dimm-1', 1, '$FIX/pmem'))" red no
step "device back" \
	"assert(emu.device_remove('dimm-1'));
	 assert(emu.device_add('dimm-0', 0, '$FIX/pmem'))" green yes

# the health clone kept running on the red node (allow-unhealthy-nodes)
crm_resource --locate -r pmem-health-clone 2>/dev/null |
	grep -q "running on: $NODE" || fail "the health clone is not running"

[ "$FAILED" -eq 0 ] && echo "ok: live cluster follows #health-pmem"
exit "$FAILED"
