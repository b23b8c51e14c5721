"""moto_server with one fix: it checks SigV4 over the query string as its web
layer hands it over, already percent-decoded, so a signed query value holding
'/' (ListObjectsV2 prefix=PREFIX/mfa/) never verifies, not even for the AWS CLI.
AWS canonicalises the raw query with every value encoded ('/' as %2F); this
re-encodes the decoded query that way before moto recomputes the signature.
Used by the fleet MFA test only; everything else is moto_server as installed."""
import sys
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import moto.iam.access_control as ac

_orig = ac.IAMRequestBase._create_aws_request


def _create_aws_request(self):
    req = _orig(self)
    parts = urlsplit(req.url)
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)
        req.url = urlunsplit(parts._replace(query=query))
    return req


ac.IAMRequestBase._create_aws_request = _create_aws_request

from moto.server import main  # noqa: E402

sys.exit(main())
