#!/usr/bin/env python3
"""Test-only EC2 instance metadata service (IMDSv2) on 127.0.0.1.

  imds_stub.py --port P --role NAME --creds FILE [--v1-only] [--log FILE]
               [--container-auth TOKEN]

Like the real service: PUT /latest/api/token (needs the TTL header) issues a
token; with a token every GET must carry it in X-aws-ec2-metadata-token (401
otherwise). --v1-only answers the PUT with 405 and serves GETs without a token
(an instance configured for IMDSv1). FILE holds the role credentials JSON.
GET /container/creds serves FILE as the ECS/EKS container endpoint does, only
with "Authorization: TOKEN" when --container-auth is given (403 otherwise).
One line per request goes to --log: "METHOD PATH STATUS token=yes|no".
"""
import argparse, secrets
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class H(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a):
        pass
    def reply(self, status, body=b''):
        a = self.server.args
        if a.log:
            with open(a.log, 'a') as f:
                tok = 'yes' if self.headers.get('X-aws-ec2-metadata-token') else 'no'
                f.write('%s %s %d token=%s\n' % (self.command, self.path, status, tok))
        self.send_response(status)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_PUT(self):
        a = self.server.args
        if self.path != '/latest/api/token':
            return self.reply(404)
        if a.v1_only:
            return self.reply(405)
        if not self.headers.get('X-aws-ec2-metadata-token-ttl-seconds'):
            return self.reply(400)
        t = secrets.token_urlsafe(24)
        self.server.tokens.add(t)
        self.reply(200, t.encode())
    def do_GET(self):
        a = self.server.args
        if self.path == '/container/creds':
            if a.container_auth and self.headers.get('Authorization') != a.container_auth:
                return self.reply(403)
            with open(a.creds, 'rb') as f:
                return self.reply(200, f.read())
        if not a.v1_only and self.headers.get('X-aws-ec2-metadata-token') not in self.server.tokens:
            return self.reply(401)
        base = '/latest/meta-data/iam/security-credentials/'
        if self.path == base:
            return self.reply(200, a.role.encode())
        if self.path == base + a.role:
            with open(a.creds, 'rb') as f:
                return self.reply(200, f.read())
        self.reply(404)

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--role', required=True)
    p.add_argument('--creds', required=True)
    p.add_argument('--v1-only', action='store_true')
    p.add_argument('--log')
    p.add_argument('--container-auth')
    a = p.parse_args()
    srv = ThreadingHTTPServer(('127.0.0.1', a.port), H)
    srv.daemon_threads = True
    srv.args = a
    srv.tokens = set()
    srv.serve_forever()

if __name__ == '__main__':
    main()
