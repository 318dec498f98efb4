"""A push receiver: the agency's HTTPS endpoint the hub POSTs deliveries to.

Mutual TLS: the receiver presents the agency's scheme certificate and
requires the hub's client certificate, chained to the scheme CA, in date,
not revoked, with CN = the hub id (docs/webhooks.md "TLS, both ways").
It answers 204 once a delivery is opened, verified and stored, and 204
again, without storing it twice, for a repeat of the same isp-message-id.
"""

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509

MAX_BODY = 1024 * 1024


def revoked_serials(revocation_file: str) -> set:
    """Serial numbers (upper-case hex) on the scheme's revocation list."""
    if not revocation_file:
        return set()
    with open(revocation_file, "r", encoding="utf-8") as handle:
        listing = json.load(handle)
    return {entry["serialNumber"].upper() for entry in listing.get("revoked", [])}


class PushReceiver:
    def __init__(self, agency_id: str, cert_file: str, key_file: str, ca_file: str, hub_id: str, open_delivery, revocation_file: str = None, port: int = 0):
        self.agency_id = agency_id
        self.hub_id = hub_id
        self.open_delivery = open_delivery
        self.revoked = revoked_serials(revocation_file)
        self.deliveries = {}
        self.repeats = 0
        self.refusals = []
        self.lock = threading.Lock()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert_file, key_file)
        context.load_verify_locations(cafile=ca_file)
        # The chain and dates are checked by OpenSSL; the rest in check_client.
        context.verify_mode = ssl.CERT_REQUIRED
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # the scenario prints its own summary
                pass

            def do_POST(self):
                receiver.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def check_client(self, handler) -> str:
        der = handler.connection.getpeercert(binary_form=True)
        if not der:
            return "no client certificate"
        certificate = x509.load_der_x509_certificate(der)
        names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        if not names or names[0].value != self.hub_id:
            return "client certificate is not the hub's"
        if format(certificate.serial_number, "X").upper() in self.revoked:
            return "client certificate revoked"
        try:
            usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            return "client certificate has no extended key usage"
        if x509.ExtendedKeyUsageOID.CLIENT_AUTH not in usages:
            return "client certificate not for TLS client authentication"
        return None

    def handle(self, handler):
        problem = self.check_client(handler)
        if problem:
            self.refusals.append(problem)
            return self.answer(handler, 403)
        if handler.path != "/" or handler.headers.get("content-type") != "application/jose":
            return self.answer(handler, 415)
        length = int(handler.headers.get("content-length", "0"))
        if length <= 0 or length > MAX_BODY:
            return self.answer(handler, 413)
        body = handler.rfile.read(length).decode("ascii").strip()
        message_id = handler.headers.get("isp-message-id", "")
        with self.lock:
            if message_id in self.deliveries:
                # At least once: a repeat is answered as a success and not stored again.
                self.repeats += 1
                return self.answer(handler, 204)
        try:
            claims = self.open_delivery(body)
        except Exception as error:  # a delivery that does not open is refused; the hub retries
            self.refusals.append(f"{type(error).__name__}: {error}")
            return self.answer(handler, 400)
        # A disclosure notice's id is "<message id>.notice.<agency>"; its provenance names the message.
        if claims.get("provenance", {}).get("messageId") != message_id.split(".notice.")[0]:
            self.refusals.append("isp-message-id does not match the provenance")
            return self.answer(handler, 400)
        with self.lock:
            self.deliveries[message_id] = {"claims": claims, "redelivery": handler.headers.get("isp-redelivery") == "true"}
        return self.answer(handler, 204)

    @staticmethod
    def answer(handler, status: int):
        handler.send_response(status)
        handler.send_header("content-length", "0")
        handler.end_headers()
