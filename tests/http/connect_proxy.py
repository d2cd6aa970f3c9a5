#!/usr/bin/env python3
"""A tiny HTTP proxy for the native HTTP executor's tests (stdlib only).

CONNECT host:port tunnels bytes both ways; an absolute-form request
(GET http://host:port/path) is forwarded to host:port in origin form, one
request per connection. Every request line is appended to --log (one line
each: "CONNECT 127.0.0.1:1234" or "GET http://..."), and the
Proxy-Authorization header, when present, as "AUTH <value>".
--alias NAME makes NAME resolve to 127.0.0.1 (for certificate name tests).
Writes its port to --ready-file once listening. Exits when stdin closes
(the test harness went away) or on SIGTERM.
"""
import argparse, os, socket, sys, threading


def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


ALIASES = set()


def resolve(host):
    return "127.0.0.1" if host in ALIASES else host


def handle(c, log, lock):
    try:
        buf = b""
        while b"\r\n\r\n" not in buf:
            d = c.recv(4096)
            if not d:
                return
            buf += d
            if len(buf) > 65536:
                return
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        auth = [l.split(":", 1)[1].strip() for l in lines[1:] if l.lower().startswith("proxy-authorization:")]
        with lock:
            with open(log, "a") as f:
                f.write("%s %s\n" % (method, target))
                for a in auth:
                    f.write("AUTH %s\n" % a)
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            try:
                u = socket.create_connection((resolve(host.strip("[]")), int(port)), timeout=10)
            except OSError:
                c.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            u.settimeout(None)
            c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                u.sendall(rest)
        else:
            hp = target.split("://", 1)[1].split("/", 1)
            host, port = hp[0].rsplit(":", 1) if ":" in hp[0] else (hp[0], "80")
            path = "/" + (hp[1] if len(hp) > 1 else "")
            u = socket.create_connection((resolve(host), int(port)), timeout=10)
            u.settimeout(None)
            hdrs = [l for l in lines[1:] if not l.lower().startswith(("proxy-authorization:", "connection:"))]
            u.sendall(("%s %s HTTP/1.1\r\n" % (method, path) + "\r\n".join(hdrs) +
                       "\r\nConnection: close\r\n\r\n").encode("latin-1") + rest)
        t = threading.Thread(target=pipe, args=(u, c), daemon=True)
        t.start()
        pipe(c, u)
        t.join(30)
    except Exception as e:  # keep the proxy alive
        print("proxy error: %r" % e, file=sys.stderr)
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ready-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--alias", action="append", default=[])
    a = ap.parse_args()
    ALIASES.update(a.alias)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    lock = threading.Lock()
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    tmp = a.ready_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(s.getsockname()[1]))
    os.rename(tmp, a.ready_file)
    while True:
        c, _ = s.accept()
        threading.Thread(target=handle, args=(c, a.log, lock), daemon=True).start()


if __name__ == "__main__":
    main()
