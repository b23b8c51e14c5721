#!/usr/bin/env python3
"""Test-only HTTP proxy in front of moto: counts API actions and injects faults.

  iamproxy.py --port P --upstream http://127.0.0.1:M --log FILE [--control FILE] [--trace FILE]

Every request is forwarded unchanged (the signature stays valid: the Host header
is kept). Each request appends one line "<Action or path> <status>" to --log
when it is answered, and to --trace "<ms since epoch> <Action> <status> <client
port> <UserName or -> <X-Amz-Date>": a request held by delay_ms is answered
(and logged) long after it was signed, when its caller may be gone, and it may
concern another user than the one a test counts.
--control names a JSON file re-read on every request:
  {"throttle_share": 0.3,   share of requests answered with IAM's Throttling error
   "status_share": 0.0, "status": 503,   share answered with a bare HTTP status
   "delay_ms": 0,           delay before answering
   "down": false,           close the connection without answering
   "cut_share": 0.0,        share of answers sent without Content-Length, cut in
                            half, then the connection closed
   "seed": 1}
Only listens on 127.0.0.1.
"""
import random, socket, threading, time, urllib.parse

from proxyutil import ProxyHandler, serve

THROTTLE = (b'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error>'
            b'<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>'
            b'</Error><RequestId>proxy-throttle</RequestId></ErrorResponse>')
lock = threading.Lock()

def action_of(path, body):
    q = urllib.parse.urlsplit(path).query
    for src in (q, body.decode('latin-1')):
        a = urllib.parse.parse_qs(src).get('Action')
        if a:
            return a[0]
    return urllib.parse.urlsplit(path).path

def param_of(body, name):
    v = urllib.parse.parse_qs(body.decode('latin-1')).get(name)
    return v[0] if v else '-'

class H(ProxyHandler):
    def record(self, action, status):
        with lock, open(self.server.args.log, 'a') as f:
            f.write('%s %s\n' % (action, status))
        trace = self.server.args.trace
        if trace:
            with lock, open(trace, 'a') as f:
                f.write('%d %s %s %s %s %s\n' % (
                    time.time() * 1000, action, status, self.client_address[1],
                    param_of(self.body, 'UserName'), self.headers.get('X-Amz-Date', '-')))
    def answer(self, status, body, ctype='text/xml'):
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def handle_any(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n) if n else b''
        self.body = body
        action = action_of(self.path, body)
        c = self.control()
        if c.get('delay_ms'):
            time.sleep(c['delay_ms'] / 1000.0)
        if c.get('down'):
            self.record(action, 'down')
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        r = self.server.rng.random()
        if r < c.get('throttle_share', 0):
            self.record(action, 400)
            return self.answer(400, THROTTLE)
        if r < c.get('throttle_share', 0) + c.get('status_share', 0):
            st = int(c.get('status', 503))
            self.record(action, st)
            return self.answer(st, b'<html>unavailable</html>', 'text/html')
        resp, data = self.forward(body)
        if resp.status == 200 and self.server.rng.random() < c.get('cut_share', 0):
            self.record(action, 'cut')
            self.send_response(200)
            self.send_header('Content-Type', resp.getheader('Content-Type') or 'text/xml')
            self.send_header('Connection', 'close')
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.record(action, resp.status)
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ('transfer-encoding', 'connection', 'content-length', 'server', 'date'):
                self.send_header(k, v)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    do_GET = do_POST = do_PUT = do_DELETE = handle_any

def main():
    serve(H, rng=random.Random(1))

if __name__ == '__main__':
    main()
