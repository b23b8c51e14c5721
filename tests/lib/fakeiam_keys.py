#!/usr/bin/env python3
"""Test-only IAM stand-in for the SSH key calls, for answers moto will not store
(hostile key bodies). Speaks the Query API's XML for ListSSHPublicKeys and
GetSSHPublicKey; signatures are not checked (this is not the auth test).

  fakeiam_keys.py --port P --keys FILE --log FILE

--keys is JSON re-read on every request: {"USER": [{"id": ..., "status":
"Active", "body": "..."}]}. Bodies are XML-escaped (newlines become &#10;), so
whatever the test puts there reaches the client's XML parser intact.
Each request appends "<Action> <status>" to --log. Listens on 127.0.0.1 only.
"""
import argparse, json, threading, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

NS = 'https://iam.amazonaws.com/doc/2010-05-08/'
lock = threading.Lock()


def esc(s):
    # Character references for line ends and tabs, so the parser restores them.
    return escape(s).replace('\r', '&#13;').replace('\n', '&#10;').replace('\t', '&#9;')


class H(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *a):
        pass

    def reply(self, status, xml, action):
        body = xml.encode('utf-8')
        with lock, open(self.server.args.log, 'a') as f:
            f.write('%s %d\n' % (action, status))
        self.send_response(status)
        self.send_header('Content-Type', 'text/xml')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, action, code, msg, status=400):
        self.reply(status, '<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code>'
                   '<Message>%s</Message></Error><RequestId>fake</RequestId></ErrorResponse>'
                   % (NS, code, esc(msg)), action)

    def do_POST(self):
        n = int(self.headers.get('Content-Length') or 0)
        q = urllib.parse.parse_qs(self.rfile.read(n).decode('latin-1'))
        q.update(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query))
        action = q.get('Action', ['?'])[0]
        user = q.get('UserName', [''])[0]
        with open(self.server.args.keys) as f:
            db = json.load(f)
        keys = db.get(user)
        if keys is None:
            return self.error(action, 'NoSuchEntity', 'The user with name %s cannot be found.' % user, 404)
        date = '2026-01-01T00:00:00Z'
        if action == 'ListSSHPublicKeys':
            members = ''.join(
                '<member><UserName>%s</UserName><SSHPublicKeyId>%s</SSHPublicKeyId>'
                '<Status>%s</Status><UploadDate>%s</UploadDate></member>'
                % (esc(user), esc(k['id']), esc(k['status']), date) for k in keys)
            return self.reply(200, '<ListSSHPublicKeysResponse xmlns="%s"><ListSSHPublicKeysResult>'
                              '<SSHPublicKeys>%s</SSHPublicKeys><IsTruncated>false</IsTruncated>'
                              '</ListSSHPublicKeysResult><ResponseMetadata><RequestId>fake</RequestId>'
                              '</ResponseMetadata></ListSSHPublicKeysResponse>' % (NS, members), action)
        if action == 'GetSSHPublicKey':
            kid = q.get('SSHPublicKeyId', [''])[0]
            for k in keys:
                if k['id'] == kid:
                    return self.reply(200, '<GetSSHPublicKeyResponse xmlns="%s"><GetSSHPublicKeyResult>'
                                      '<SSHPublicKey><UserName>%s</UserName><SSHPublicKeyId>%s</SSHPublicKeyId>'
                                      '<Fingerprint>00:11:22</Fingerprint><SSHPublicKeyBody>%s</SSHPublicKeyBody>'
                                      '<Status>%s</Status><UploadDate>%s</UploadDate></SSHPublicKey>'
                                      '</GetSSHPublicKeyResult><ResponseMetadata><RequestId>fake</RequestId>'
                                      '</ResponseMetadata></GetSSHPublicKeyResponse>'
                                      % (NS, esc(user), esc(kid), esc(k['body']), esc(k['status']), date),
                                      action)
            return self.error(action, 'NoSuchEntity', 'no such key', 404)
        return self.error(action, 'InvalidAction', 'not faked: ' + action)

    do_GET = do_POST


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--keys', required=True)
    p.add_argument('--log', required=True)
    a = p.parse_args()
    srv = ThreadingHTTPServer(('127.0.0.1', a.port), H)
    srv.daemon_threads = True
    srv.args = a
    srv.serve_forever()


if __name__ == '__main__':
    main()
