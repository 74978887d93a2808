#!/usr/bin/env bash
# Build fixtures/{dns,tls,ssh}.pcap: real DNS, TLS and SSH exchanges between
# real clients and servers, and record what Suricata logs and alerts on them
# (fixtures/<proto>.expected.json) with fixtures/applayer.rules, so that
# tests/suite/applayer_e2e.rs can hold Sigil's parsers to the reference on
# traffic no hand-written test made.
#
# Everything happens between two network namespaces this script creates and
# joins with a veth pair; no packet is sent to any other address:
#
#   sigil-apc 10.53.0.2 (client)  --veth--  sigil-aps 10.53.0.1 (server)
#   dig, openssl s_client, ssh              dnsmasq :53, openssl s_server :443,
#                                           sshd :22
#
# Keys and certificates are throwaway ones made here for each run; the pcaps
# and the expectations are committed together, so a test never depends on
# them. Captures are taken on the server side of the veth (Ethernet), with
# offloads off so segments are wire-sized and checksums correct.
#
# Usage: sudo scripts/make-applayer-pcaps.sh            # captures + expectations
#        scripts/make-applayer-pcaps.sh --expect-only   # expectations only
# Capturing needs root; missing tools are installed with apt-get. Recording
# the expectations needs suricata (7.0.10 made the committed ones).
# Idempotent: leftovers of an earlier run are removed first, and a trap
# removes the namespaces, processes and temp files on any exit.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FIX=$REPO/fixtures
RULES=$FIX/applayer.rules
EXPECT_ONLY=0
if [[ ${1:-} == --expect-only ]]; then EXPECT_ONLY=1; fi

NS_SRV=sigil-aps
NS_CLI=sigil-apc
IF_SRV=sigil-as0
IF_CLI=sigil-ac0
SRV_IP=10.53.0.1
CLI_IP=10.53.0.2
ZONE=sigil.test

say() { echo "make-applayer-pcaps: $*" >&2; }

TMP=""
PIDS=()
CAPTURE_PID=""
MADE_RUN_SSHD=0

drop_namespaces() {
    local ns pid
    for ns in "$NS_SRV" "$NS_CLI"; do
        if ip netns list | grep -qw "$ns"; then
            # Anything still living inside our own namespaces was started by us.
            for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
            ip netns del "$ns"
        fi
    done
}

cleanup() {
    set +e
    if [[ -n $CAPTURE_PID ]]; then
        kill -INT "$CAPTURE_PID" 2>/dev/null
        wait "$CAPTURE_PID" 2>/dev/null
    fi
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    if ((EXPECT_ONLY == 0)); then drop_namespaces; fi
    if ((MADE_RUN_SSHD)); then rmdir /run/sshd 2>/dev/null; fi
    if [[ -n $TMP ]]; then rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TMP=$(mktemp -d /tmp/sigil-applayer.XXXXXX)
chmod 755 "$TMP"

srv() { ip netns exec "$NS_SRV" "$@"; }
cli() { ip netns exec "$NS_CLI" "$@"; }

# Start a long-running server in the server namespace and remember its PID
# (`ip netns exec` execs the command, so the PID is the server itself; a
# shell function here would put a subshell in between that ignores SIGINT).
bg() {
    local log=$1
    shift
    ip netns exec "$NS_SRV" "$@" >"$TMP/$log.log" 2>&1 &
    PIDS+=("$!")
}

# Wait (bounded, 5 s) until something listens on a port in the server
# namespace; `proto` is t (TCP) or u (UDP).
wait_listen() {
    local proto=$1 port=$2 i
    for ((i = 0; i < 50; i++)); do
        if srv ss -Hn"$proto"l "sport = :$port" | grep -q .; then return 0; fi
        sleep 0.1
    done
    say "nothing listening on $SRV_IP:$port/$proto"
    return 1
}

# Capture on the server side of the veth into $1 until stop_capture.
start_capture() {
    ip netns exec "$NS_SRV" tcpdump -i "$IF_SRV" -w "$1" -s 0 -U --immediate-mode -n -Z root >"$TMP/tcpdump.log" 2>&1 &
    CAPTURE_PID=$!
    local i
    for ((i = 0; i < 50; i++)); do
        grep -qs "listening on" "$TMP/tcpdump.log" && break
        sleep 0.1
    done
    sleep 0.3
}

# Immediate mode and the pause before stopping: without them the last
# packets (still in the kernel's ring block) are lost when tcpdump exits.
stop_capture() {
    sleep 1
    kill -INT "$CAPTURE_PID"
    wait "$CAPTURE_PID" || true
    CAPTURE_PID=""
    say "wrote $1 ($(stat -c %s "$1") bytes)"
    if (($(stat -c %s "$1") > 200000)); then
        say "$1 is larger than 200 KB"
        exit 1
    fi
}

make_pcaps() {
    if [[ $(id -u) -ne 0 ]]; then
        say "capturing needs root (network namespaces, tcpdump); use --expect-only without it"
        exit 1
    fi
    local need=() pair
    for pair in tcpdump:tcpdump dnsmasq:dnsmasq-base dig:bind9-dnsutils openssl:openssl \
        /usr/sbin/sshd:openssh-server ssh:openssh-client ssh-keygen:openssh-client \
        ethtool:ethtool ip:iproute2 ss:iproute2 ping:iputils-ping; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
    done
    if ((${#need[@]})); then
        say "installing ${need[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    fi

    drop_namespaces
    ip netns add "$NS_SRV"
    ip netns add "$NS_CLI"
    ip link add "$IF_SRV" type veth peer name "$IF_CLI"
    ip link set "$IF_SRV" netns "$NS_SRV"
    ip link set "$IF_CLI" netns "$NS_CLI"
    local ns
    for ns in "$NS_SRV" "$NS_CLI"; do
        # No IPv6 router solicitations or MLD reports in the captures.
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
        ip netns exec "$ns" ip link set lo up
    done
    srv ip addr add "$SRV_IP/24" dev "$IF_SRV"
    cli ip addr add "$CLI_IP/24" dev "$IF_CLI"
    srv ip link set "$IF_SRV" up
    cli ip link set "$IF_CLI" up
    srv ethtool -K "$IF_SRV" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
    cli ethtool -K "$IF_CLI" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
    # Resolve the peer's MAC now so no ARP exchange sits in the captures.
    cli ping -c 1 -W 1 "$SRV_IP" >/dev/null

    dns_pcap
    tls_pcap
    ssh_pcap
}

# --- DNS: dig against dnsmasq serving a small local zone -------------------
dns_pcap() {
    # --local answers NXDOMAIN for names of the zone it does not know and
    # never forwards; records get a 300 s TTL.
    bg dnsmasq dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
        --pid-file="$TMP/dnsmasq.pid" --user=root --bind-interfaces --listen-address="$SRV_IP" \
        --local="/$ZONE/" --local-ttl=300 --auth-ttl=300 \
        --host-record="www.$ZONE,10.53.0.80,2001:db8:53::80" \
        --host-record="mail.$ZONE,10.53.0.25" \
        --cname="alias.$ZONE,www.$ZONE" \
        --mx-host="$ZONE,mail.$ZONE,10" \
        --txt-record="$ZONE,v=spf1 mx -all,sigil test record"
    wait_listen u 53
    wait_listen t 53

    start_capture "$FIX/dns.pcap"
    local d=(timeout 10 dig @"$SRV_IP" +tries=1 +time=2)
    cli "${d[@]}" "www.$ZONE" A >/dev/null
    cli "${d[@]}" "www.$ZONE" AAAA >/dev/null
    cli "${d[@]}" "alias.$ZONE" A >/dev/null
    cli "${d[@]}" "$ZONE" MX >/dev/null
    cli "${d[@]}" "$ZONE" TXT >/dev/null
    cli "${d[@]}" "nope.$ZONE" A >/dev/null
    cli "${d[@]}" +tcp "www.$ZONE" AAAA >/dev/null
    cli "${d[@]}" +tcp "$ZONE" TXT >/dev/null
    # A server status request (opcode 2), which dnsmasq does not implement.
    cli "${d[@]}" +opcode=status "$ZONE" SOA >/dev/null || true
    stop_capture "$FIX/dns.pcap"
}

# --- TLS: openssl s_client against s_server, TLS 1.2 and 1.3 ---------------
tls_pcap() {
    local t=$TMP/tls
    mkdir -p "$t"
    # A CA and a server certificate it signed, so subject and issuer differ.
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -set_serial 0x5161 \
        -subj "/C=NL/O=Sigil Test/CN=Sigil Test CA" -keyout "$t/ca.key" -out "$t/ca.pem" 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -subj "/C=NL/O=Sigil Test/CN=tls.$ZONE" \
        -keyout "$t/srv.key" -out "$t/srv.csr" 2>/dev/null
    printf 'subjectAltName=DNS:tls.%s,DNS:www.%s,IP:%s\n' "$ZONE" "$ZONE" "$SRV_IP" >"$t/ext.cnf"
    openssl x509 -req -in "$t/srv.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -set_serial 0x0badc0de \
        -days 825 -extfile "$t/ext.cnf" -out "$t/srv.pem" 2>/dev/null

    # -rev: a line server that answers each line reversed.
    bg s_server openssl s_server -accept "$SRV_IP:443" -naccept 4 -rev \
        -cert "$t/srv.pem" -key "$t/srv.key" -cert_chain "$t/ca.pem" -alpn http/1.1
    wait_listen t 443

    start_capture "$FIX/tls.pcap"
    local c=(timeout 10 openssl s_client -connect "$SRV_IP:443" -CAfile "$t/ca.pem" -verify_return_error)
    { echo "hello over TLS 1.2"; sleep 0.5; } |
        cli "${c[@]}" -servername "tls.$ZONE" -tls1_2 -alpn h2,http/1.1 -sess_out "$t/sess" >/dev/null 2>&1
    sleep 0.2
    # The same session again, resumed (no certificate sent).
    { echo "resumed"; sleep 0.5; } |
        cli "${c[@]}" -servername "tls.$ZONE" -tls1_2 -sess_in "$t/sess" >/dev/null 2>&1
    sleep 0.2
    { echo "hello over TLS 1.3"; sleep 0.5; } |
        cli "${c[@]}" -servername "www.$ZONE" -tls1_3 >/dev/null 2>&1
    sleep 0.2
    # TLS 1.2 with a classic RSA key exchange (no forward secrecy).
    { echo "rsa kx"; sleep 0.5; } |
        cli "${c[@]}" -servername "tls.$ZONE" -tls1_2 -cipher AES128-GCM-SHA256 >/dev/null 2>&1
    stop_capture "$FIX/tls.pcap"
}

# --- SSH: key login and one command ----------------------------------------
ssh_pcap() {
    local s=$TMP/ssh
    mkdir -p "$s"
    ssh-keygen -q -t ed25519 -N "" -C sigil-host -f "$s/host_ed25519"
    ssh-keygen -q -t ed25519 -N "" -C sigil-client -f "$s/client_ed25519"
    cp "$s/client_ed25519.pub" "$s/authorized_keys"
    cat >"$s/sshd_config" <<EOF
Port 22
ListenAddress $SRV_IP
HostKey $s/host_ed25519
PidFile $s/sshd.pid
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $s/authorized_keys
StrictModes no
PrintMotd no
PrintLastLog no
EOF
    if [[ ! -d /run/sshd ]]; then mkdir -p /run/sshd && MADE_RUN_SSHD=1; fi
    /usr/sbin/sshd -t -f "$s/sshd_config"
    bg sshd /usr/sbin/sshd -D -e -f "$s/sshd_config"
    wait_listen t 22

    start_capture "$FIX/ssh.pcap"
    local out
    out=$(cli timeout 10 ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i "$s/client_ed25519" \
        -o LogLevel=ERROR "root@$SRV_IP" 'echo sigil ssh test')
    if [[ $out != "sigil ssh test" ]]; then
        say "ssh login failed: $out"
        exit 1
    fi
    stop_capture "$FIX/ssh.pcap"
}

# --- expectations ----------------------------------------------------------
# Suricata's configuration with the TLS logger's ja4 on (off by default in
# 7) and JA3/JA4 computed; everything else as installed.
record_expectations() {
    if ! command -v suricata >/dev/null 2>&1; then
        say "suricata not installed; expectations not refreshed"
        return 0
    fi
    local version
    version=$(suricata -V | sed 's/^This is //')
    sed -e 's/^\( *\)# ja4: off/\1ja4: on/' /etc/suricata/suricata.yaml >"$TMP/suricata.yaml"
    local classification=/work/shared/conformance/etc/classification.config
    [[ -f $classification ]] || classification=/etc/suricata/classification.config
    local proto
    for proto in dns tls ssh; do
        mkdir -p "$TMP/suricata-$proto"
        suricata -c "$TMP/suricata.yaml" -r "$FIX/$proto.pcap" -S "$RULES" \
            -l "$TMP/suricata-$proto" -k none --runmode single \
            --set classification-file="$classification" \
            --set app-layer.protocols.tls.ja3-fingerprints=yes \
            --set app-layer.protocols.tls.ja4-fingerprints=yes \
            >"$TMP/suricata-$proto.log" 2>&1
        if ! grep -q " 0 rules failed" "$TMP/suricata-$proto/suricata.log"; then
            grep -i "error" "$TMP/suricata-$proto/suricata.log" >&2 || true
            say "suricata did not load every rule"
            exit 1
        fi
        python3 - "$TMP/suricata-$proto/eve.json" "$FIX/$proto.expected.json" "$version" \
            "fixtures/$proto.pcap" <<'PYEOF'
# Keep of Suricata's eve.json what tests/suite/applayer_e2e.rs compares:
# per-sid alert counts, every alert as [pcap_cnt, sid, src_port, dest_port,
# pkt_src] (pcap_cnt null on pseudo packets), and each dns, tls, ssh and
# flow record whole but for its timestamp and flow_id (the test picks the
# key fields, mapping Suricata 7's DNS EVE version 2 to Sigil's version 3).
import collections, json, sys

src, dst, version, pcap = sys.argv[1:5]
counts, alerts, records = collections.Counter(), [], []
with open(src) as f:
    for line in f:
        e = json.loads(line)
        kind = e.get("event_type")
        if kind == "alert":
            sid = e["alert"]["signature_id"]
            counts[sid] += 1
            alerts.append([e.get("pcap_cnt"), sid, e["src_port"], e["dest_port"], e["pkt_src"]])
        elif kind in ("dns", "tls", "ssh", "flow"):
            records.append({k: v for k, v in e.items() if k not in ("timestamp", "flow_id")})
alerts.sort(key=lambda a: (a[0] is None, a[0] or 0, a[1], a[2]))
records.sort(key=lambda r: (r["event_type"], r["src_port"], r["dest_port"], r.get("pcap_cnt") or 0))
comment = (f"What {version} logged on {pcap} with fixtures/applayer.rules; "
           "made by scripts/make-applayer-pcaps.sh, checked by tests/suite/applayer_e2e.rs")
with open(dst, "w") as f:
    f.write("{\n")
    f.write(f' "comment": {json.dumps(comment)},\n')
    f.write(f' "alert_counts": {json.dumps({str(k): counts[k] for k in sorted(counts)})},\n')
    f.write(' "alerts": [\n  ' + ",\n  ".join(json.dumps(a) for a in alerts) + "\n ],\n")
    f.write(' "records": [\n  ' + ",\n  ".join(json.dumps(r) for r in records) + "\n ]\n}\n")
print(f"make-applayer-pcaps: {sum(counts.values())} alerts, {len(records)} records; wrote {dst}",
      file=sys.stderr)
PYEOF
    done
}

if ((EXPECT_ONLY == 0)); then make_pcaps; fi
record_expectations
