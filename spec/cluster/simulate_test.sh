#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# simulate_test.sh BUILD SRC -- what Pacemaker's scheduler does with the
# health attribute, offline (crm_simulate, no daemons, no root): a two-node
# CIB with node-health-strategy=migrate-on-red, a Dummy resource preferring
# node1 and the HealthPmem clone (allow-unhealthy-nodes=true). Green: the
# resource runs on node1. Yellow on node1: it stays. Red on node1: it moves
# to node2, while the health clone keeps running on node1.
set -u
for prog in cibadmin crm_attribute crm_simulate crm_resource; do
	if ! command -v "$prog" >/dev/null 2>&1; then
		echo "SKIP: $prog not found (install pacemaker-cli-utils)"
		exit 77
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/healthpmem-simulate.XXXXXX")
trap 'rm -rf "$T"' EXIT
FAILED=0
fail() {
	echo "not ok: $*"
	FAILED=1
}

cd "$T" || exit 1
cibadmin --empty >cib.xml || exit 1
export CIB_file="$T/cib.xml"
crm_attribute -t crm_config -n stonith-enabled -v false
crm_attribute -t crm_config -n node-health-strategy -v migrate-on-red
cibadmin -C -o nodes -X '<node id="1" uname="node1"/>'
cibadmin -C -o nodes -X '<node id="2" uname="node2"/>'
cibadmin -C -o resources -X '
<primitive id="dummy" class="ocf" provider="pacemaker" type="Dummy">
  <operations>
    <op id="dummy-monitor" name="monitor" interval="10s"/>
  </operations>
</primitive>'
cibadmin -C -o resources -X '
<clone id="pmem-health-clone">
  <meta_attributes id="pmem-health-clone-meta">
    <nvpair id="pmem-health-clone-unhealthy" name="allow-unhealthy-nodes"
            value="true"/>
  </meta_attributes>
  <primitive id="pmem-health" class="ocf" provider="pmemset"
             type="HealthPmem">
    <instance_attributes id="pmem-health-params">
      <nvpair id="pmem-health-layout" name="layout"
              value="/etc/app/layout.lua"/>
    </instance_attributes>
    <operations>
      <op id="pmem-health-monitor" name="monitor" interval="10s"/>
    </operations>
  </primitive>
</clone>'
cibadmin -C -o constraints -X \
	'<rsc_location id="prefer-node1" rsc="dummy" node="node1" score="100"/>'
unset CIB_file

# simulate IN OUT: the transition from IN, the resulting CIB in OUT
simulate() {
	crm_simulate -x "$1" -S -O "$2" >"$T/sim.out" 2>&1 ||
		fail "crm_simulate -x $1 failed: $(cat "$T/sim.out")"
}

where() {
	CIB_file=$1 crm_resource --locate -r "$2" 2>/dev/null
}

# health ON FILE COLOUR: the node attribute as attrd would record it
health() {
	CIB_file=$1 crm_attribute -N node1 -n '#health-pmem' -v "$2" \
		-l reboot || fail "cannot set #health-pmem=$2 on node1"
}

crm_simulate -x cib.xml -S -O placed.xml --quorum 1 \
	--node-up node1 --node-up node2 >sim.out 2>&1 ||
	fail "crm_simulate failed: $(cat sim.out)"
case "$(where placed.xml dummy)" in
*"running on: node1"*) ;;
*) fail "green: dummy is not on node1: $(where placed.xml dummy)" ;;
esac

cp placed.xml yellow.xml
health yellow.xml yellow
simulate yellow.xml yellow-after.xml
case "$(where yellow-after.xml dummy)" in
*"running on: node1"*) ;;
*) fail "yellow moved dummy: $(where yellow-after.xml dummy)" ;;
esac

cp placed.xml red.xml
health red.xml red
simulate red.xml red-after.xml
grep -q "Move  *dummy *( node1 -> node2 )" sim.out ||
	fail "no move planned for red: $(cat sim.out)"
grep -q "node1: online (health is RED)" sim.out ||
	fail "node1 is not shown RED: $(cat sim.out)"
case "$(where red-after.xml dummy)" in
*"running on: node2"*) ;;
*) fail "red: dummy did not move to node2: $(where red-after.xml dummy)" ;;
esac
case "$(where red-after.xml pmem-health-clone)" in
*"running on: node1"*) ;;
*) fail "the health clone left the red node: $(where red-after.xml \
	pmem-health-clone)" ;;
esac

[ "$FAILED" -eq 0 ] && echo "ok: red moves the resource, yellow keeps it"
exit "$FAILED"
