#!/usr/bin/env python3
"""A tiny cleartext HTTP/2 server for scripts/make-http2-pcap.sh.

Serves one fixed text body on every path, over HTTP/2 with prior knowledge
(the client starts with the connection preface) or after an HTTP/1.1
`Upgrade: h2c` request (101, then the answer on stream 1). One connection
at a time; it runs until killed. Needs the `h2` package (pip install h2).
"""
import socket
import sys

import h2.config
import h2.connection
import h2.events

BODY = b"sigil http2 fixture: hello\n"
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def respond(conn, stream_id, path):
    body = BODY + b"path=" + path + b"\n"
    conn.send_headers(
        stream_id,
        [
            (":status", "200"),
            ("content-type", "text/plain"),
            ("content-length", str(len(body))),
            ("server", "sigil-h2c-fixture"),
        ],
    )
    conn.send_data(stream_id, body, end_stream=True)


def serve(sock):
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    data = b""
    while len(data) < len(PREFACE) and b"\r\n\r\n" not in data:
        chunk = sock.recv(65535)
        if not chunk:
            return
        data += chunk
    paths = {}
    if data.startswith(PREFACE[: len(data)]) and data[:3] == b"PRI":
        conn.initiate_connection()
        pending = data
    else:
        head, _, pending = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        path = lines[0].split(b" ")[1]
        headers = dict(
            (k.strip().lower(), v.strip())
            for k, v in (l.split(b":", 1) for l in lines[1:] if b":" in l)
        )
        sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
        )
        conn.initiate_upgrade_connection(headers.get(b"http2-settings", b""))
        paths[1] = path
        respond(conn, 1, path)
    sock.sendall(conn.data_to_send())
    while True:
        if pending:
            events = conn.receive_data(pending)
            pending = b""
            for ev in events:
                if isinstance(ev, h2.events.RequestReceived):
                    hdrs = dict(ev.headers)
                    path = hdrs.get(b":path", hdrs.get(":path", b"/"))
                    if isinstance(path, str):
                        path = path.encode()
                    respond(conn, ev.stream_id, path)
                elif isinstance(ev, h2.events.ConnectionTerminated):
                    sock.sendall(conn.data_to_send())
                    return
            sock.sendall(conn.data_to_send())
        chunk = sock.recv(65535)
        if not chunk:
            return
        pending = chunk


def main():
    addr = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 8080
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(4)
    while True:
        sock, _ = srv.accept()
        try:
            serve(sock)
        except Exception as e:  # a broken client must not stop the fixture run
            print("h2c-server:", e, file=sys.stderr)
        finally:
            sock.close()


if __name__ == "__main__":
    main()
