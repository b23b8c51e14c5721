"""Shared by the test-only proxies in front of moto (iamproxy.py, iampager.py).

Both take --port P --upstream URL --log FILE [--control FILE], listen only on
127.0.0.1, re-read the --control JSON file on every request and forward each
request unchanged (the Host header is kept, so the SigV4 signature stays valid).
"""
import argparse, json, urllib.parse
import http.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *a):
        pass

    def control(self):
        """The --control file as a dict; {} when not given, missing or unreadable."""
        if not self.server.args.control:
            return {}
        try:
            with open(self.server.args.control) as f:
                return json.load(f)
        except Exception:
            return {}

    def forward(self, body):
        """Send this request to --upstream; returns (response, its complete body)."""
        u = urllib.parse.urlsplit(self.server.args.upstream)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() != 'connection'}
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp, resp.read()
        finally:
            conn.close()


def serve(handler, **attrs):
    """Parse the common options and serve handler on 127.0.0.1 until killed;
    attrs are set on the server (handlers see them as self.server.NAME)."""
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--upstream', required=True)
    ap.add_argument('--log', required=True)
    ap.add_argument('--control')
    ap.add_argument('--trace')
    a = ap.parse_args()
    srv = ThreadingHTTPServer(('127.0.0.1', a.port), handler)
    srv.daemon_threads = True
    srv.args = a
    for k, v in attrs.items():
        setattr(srv, k, v)
    srv.serve_forever()
