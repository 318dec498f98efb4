"""HTTPS to the hub with mutual TLS, using only the Python standard library.

The agency presents its scheme certificate as the TLS client certificate;
the hub must present a certificate from the scheme CA naming the host.
"""

import http.client
import json
import ssl
from urllib.parse import urlsplit


class HubResponse:
    def __init__(self, status: int, body: bytes):
        self.status = status
        self.body = body

    def json(self):
        return json.loads(self.body)

    @property
    def error_code(self):
        try:
            return self.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return None


class HubClient:
    def __init__(self, hub_url: str, ca_file: str, cert_file: str = None, key_file: str = None):
        parts = urlsplit(hub_url)
        if parts.scheme != "https":
            raise ValueError("the hub is reached over https only")
        self.host = parts.hostname
        self.port = parts.port or 443
        self.context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        if cert_file:
            self.context.load_cert_chain(cert_file, key_file)

    def request(self, method: str, path: str, body: str = None, content_type: str = "application/jose") -> HubResponse:
        connection = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=30)
        try:
            headers = {"content-type": content_type} if body is not None else {}
            connection.request(method, path, body=body.encode("utf-8") if body is not None else None, headers=headers)
            response = connection.getresponse()
            return HubResponse(response.status, response.read())
        finally:
            connection.close()

    def get_json(self, path: str):
        response = self.request("GET", path)
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status} {response.error_code}")
        return response.json()
