#!/usr/bin/env python3
"""Test-only proxy in front of moto that pages IAM list answers the way IAM does.

  iampager.py --port P --upstream http://127.0.0.1:M --log FILE [--control FILE]

moto answers ListUsers, ListGroups, GetGroup, GetAccountAuthorizationDetails,
ListSSHPublicKeys and ListMFADevices in one piece whatever MaxItems says. This
proxy forwards every request unchanged (so moto still checks the SigV4 signature,
which covers the MaxItems and Marker parameters as the client encoded them, and
enforces the IAM policy), then cuts the complete answer into the page asked for:
MaxItems items from the offset the Marker names, IsTruncated and a Marker for the
rest. Markers contain ':', '/', '+', '=' and '&' so their percent-encoding matters
(no space: moto checks the signature over its own re-encoding of the form body,
which writes a space as '+', so a client sending %20, also valid, would fail there).

Each request appends "<Action> max=<MaxItems> marker=<Marker> items=<n> <status>"
to --log. --control names a JSON file re-read per request for faults:
  {"fault": "no_marker"}      truncated pages carry no Marker
  {"fault": "repeat_marker"}  every Marker names the first page again
  {"fault": "drop_user_id"}   the first UserId of each user list page is removed
Only listens on 127.0.0.1.
"""
import re, threading, urllib.parse
import xml.etree.ElementTree as ET

from proxyutil import ProxyHandler, serve

NS = 'https://iam.amazonaws.com/doc/2010-05-08/'
ET.register_namespace('', NS)
Q = '{%s}' % NS
# Action -> the list elements in its Result that are paged together.
PAGED = {
    'ListUsers': ['Users'],
    'ListGroups': ['Groups'],
    'GetGroup': ['Users'],
    'GetAccountAuthorizationDetails': ['UserDetailList', 'GroupDetailList'],
    'ListSSHPublicKeys': ['SSHPublicKeys'],
    'ListMFADevices': ['MFADevices'],
}
MARKER_RE = re.compile(r'^pg:(\d+)/\+=&$')
lock = threading.Lock()


def params_of(path, body):
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query, keep_blank_values=True))
    q.update(urllib.parse.parse_qsl(body.decode('latin-1'), keep_blank_values=True))
    return q


def page(data, action, max_items, marker, fault):
    root = ET.fromstring(data)
    result = root.find(Q + action + 'Result')
    if result is None:
        return data, 0
    offset = 0
    if marker:
        m = MARKER_RE.match(marker)
        if not m:
            raise ValueError('unknown marker %r' % marker)
        offset = int(m.group(1))
    items = []
    for name in PAGED[action]:
        lst = result.find(Q + name)
        if lst is None:
            continue
        for member in list(lst):
            items.append((lst, member))
            lst.remove(member)
    chosen = items[offset:offset + max_items]
    for lst, member in chosen:
        lst.append(member)
    if fault == 'drop_user_id':
        for lst, member in chosen:
            uid = member.find(Q + 'UserId')
            if uid is not None:
                member.remove(uid)
                break
    for tag in ('IsTruncated', 'Marker'):
        for el in result.findall(Q + tag):
            result.remove(el)
    truncated = offset + max_items < len(items)
    t = ET.SubElement(result, Q + 'IsTruncated')
    t.text = 'true' if truncated else 'false'
    if truncated and fault != 'no_marker':
        nxt = max_items if fault == 'repeat_marker' else offset + max_items
        ET.SubElement(result, Q + 'Marker').text = 'pg:%d/+=&' % nxt
    return ET.tostring(root, encoding='utf-8'), len(chosen)


class H(ProxyHandler):
    def handle_any(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n) if n else b''
        p = params_of(self.path, body)
        action = p.get('Action', urllib.parse.urlsplit(self.path).path)
        resp, data = self.forward(body)
        status, count = resp.status, '-'
        if status == 200 and action in PAGED and p.get('MaxItems'):
            try:
                data, count = page(data, action, int(p['MaxItems']), p.get('Marker'),
                                   self.control().get('fault'))
            except ValueError as e:
                status = 400
                data = ('<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>InvalidInput'
                        '</Code><Message>%s</Message></Error><RequestId>pager</RequestId>'
                        '</ErrorResponse>' % (NS, e)).encode()
        with lock, open(self.server.args.log, 'a') as f:
            f.write('%s max=%s marker=%s items=%s %s\n' % (
                action, p.get('MaxItems', '-'), p.get('Marker', '-'), count, status))
        self.send_response(status)
        self.send_header('Content-Type', 'text/xml')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = handle_any


def main():
    serve(H)


if __name__ == '__main__':
    main()
