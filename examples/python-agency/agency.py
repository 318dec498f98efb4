#!/usr/bin/python3
"""A reference agency for isp-hub, written without the TypeScript SDK.

It reads the contract the hub publishes (the claims schema, /openapi.json,
/.well-known/jwks.json, GET /v1/capabilities), then:

  1. seals and sends every example message of policies/examples/ as an
     agency whose capabilities allow it (queries to /v1/queries, the rest to
     /v1/messages), opening and verifying each query answer;
  2. receives pushes for one agency on its own mutual-TLS endpoint;
  3. pulls every other recipient's inbox, opens and verifies each item (the
     hub's signature and its x5c chain to the scheme CA) and acknowledges it;
  4. tracks every message until each recipient has it.

Exit status 0 when every step went as the protocol says, 1 otherwise.
docs/integrating.md walks through it.

  /usr/bin/python3 agency.py --hub https://127.0.0.1:8443 --certs ../../certs-example \
      --examples ../../policies/examples --push-agency nv-probation --push-port 9443
"""

import argparse
import os
import sys
import time
import uuid

from jwcrypto import jwk

import envelope
from examples import read_examples
from hub_client import HubClient
from receiver import PushReceiver

MESSAGE_LIFETIME_SECONDS = 300
SETTLED = {"delivered", "collected", "acknowledged", "denied"}


class Agency:
    """One agency's keys and certificates from certs-example/agencies/<id>/."""

    def __init__(self, agency_id: str, folder: str):
        self.id = agency_id
        self.cert_file = os.path.join(folder, "cert.pem")
        self.key_file = os.path.join(folder, "key.pem")
        self.certificate = envelope.read_certificate(self.cert_file)
        self.signing_key = envelope.read_key(self.key_file)
        # Deliveries are sealed to the encryption certificate when the agency has one; keep both keys.
        self.decryption_keys = {envelope.thumbprint(self.certificate): self.signing_key}
        encryption_cert = os.path.join(folder, "encryption-cert.pem")
        if os.path.exists(encryption_cert):
            self.decryption_keys[envelope.thumbprint(envelope.read_certificate(encryption_cert))] = envelope.read_key(os.path.join(folder, "encryption-key.pem"))


class Scenario:
    def __init__(self, args):
        self.args = args
        self.ca_file = os.path.join(args.certs, "ca", "cert.pem")
        self.ca = envelope.read_certificate(self.ca_file)
        agencies_dir = os.path.join(args.certs, "agencies")
        self.agencies = {name: Agency(name, os.path.join(agencies_dir, name)) for name in sorted(os.listdir(agencies_dir))}
        self.public = HubClient(args.hub, self.ca_file)
        self.clients = {name: HubClient(args.hub, self.ca_file, agency.cert_file, agency.key_file) for name, agency in self.agencies.items()}
        self.failures = []
        self.sent = []

    def say(self, text: str):
        print(text, flush=True)

    def fail(self, text: str):
        self.failures.append(text)
        print(f"  FAILED: {text}", flush=True)

    # --- the contract -----------------------------------------------------

    def read_contract(self):
        claims_schema = self.public.get_json("/v1/schemas/envelope-claims")
        # aud is the hub id: the first branch of the schema's aud is that constant.
        self.hub_id = next(branch["const"] for branch in claims_schema["properties"]["aud"]["anyOf"] if "const" in branch)
        document = self.public.get_json("/openapi.json")
        body = document["paths"]["/v1/queries"]["post"]["requestBody"]["content"]["application/jose"]["schema"]
        self.query_types = {entry["$ref"].rsplit("SealedPayload.", 1)[1] for entry in body["contentSchema"]["oneOf"]}
        self.read_hub_keys()
        self.say(f"hub {self.hub_id}: query types {sorted(self.query_types)}; sealing to {self.hub_encryption_alg}; {len(self.hub_signing)} signing key(s) chained to the scheme CA")

    def read_hub_keys(self):
        now = time.time()
        keys = self.public.get_json("/.well-known/jwks.json")["keys"]
        self.hub_signing = {}
        self.hub_encryption = None
        for entry in keys:
            envelope.certificate_from_x5c(entry, self.ca, now)
            public = jwk.JWK(**{name: value for name, value in entry.items() if name in ("kty", "crv", "x", "y", "n", "e")})
            if entry["use"] == "sig":
                self.hub_signing[entry["x5t#S256"]] = public
            elif self.hub_encryption is None and entry["alg"] in envelope.JWE_KEY_ALGS and envelope.encryption_alg_for(public) == entry["alg"]:
                # The hub lists its encryption keys in its order of preference: take the first this code supports.
                self.hub_encryption = (public, entry["kid"])
                self.hub_encryption_alg = entry["alg"]
        if not self.hub_signing or self.hub_encryption is None:
            raise RuntimeError("the hub publishes no usable keys")

    def capabilities(self):
        self.allowed = {}
        for name, client in self.clients.items():
            answer = client.get_json("/v1/capabilities")
            for entry in answer["messageTypes"]:
                purposes = {purpose["code"] for purpose in entry["purposes"]}
                self.allowed.setdefault(entry["type"], []).append((name, purposes, set(entry["recipients"])))
        self.say(f"capabilities read for {len(self.clients)} agencies")

    def sender_for(self, message: dict):
        for name, purposes, recipients in self.allowed.get(message["type"], []):
            if message["purpose"] in purposes and set(message.get("to", [])) <= recipients:
                return name
        return None

    # --- sending ----------------------------------------------------------

    def seal_as(self, agency: Agency, message: dict) -> str:
        now = int(time.time())
        claims = {**message, "iss": agency.id, "aud": self.hub_id, "iat": now, "exp": now + MESSAGE_LIFETIME_SECONDS, "jti": str(uuid.uuid4())}
        public, kid = self.hub_encryption
        return envelope.seal(claims, agency.signing_key, agency.certificate, public, kid)

    def open_as(self, agency: Agency, compact: str) -> dict:
        return envelope.open_from_hub(compact, agency.decryption_keys, self.hub_signing, agency.id, self.hub_id)

    def send_examples(self):
        examples = read_examples(self.args.examples)
        # Queries last, so the flags the examples set are there to be asked about.
        for message_type in sorted(examples, key=lambda name: (name in self.query_types, name)):
            message = examples[message_type]
            sender = self.sender_for(message)
            if sender is None:
                self.fail(f"{message_type}: no agency may send it for {message['purpose']}")
                continue
            agency = self.agencies[sender]
            route = "/v1/queries" if message_type in self.query_types else "/v1/messages"
            # A retry after a lost answer resends the same bytes (same jti) and gets the first answer.
            response = self.clients[sender].request("POST", route, self.seal_as(agency, message))
            if route == "/v1/queries":
                self.check_query_answer(message_type, agency, response)
            elif response.status != 202:
                self.fail(f"{message_type} from {sender}: {response.status} {response.error_code}")
            else:
                answer = response.json()
                queued = [row["agency"] for row in answer["recipients"] if row["status"] == "queued"]
                denied = [row["agency"] for row in answer["recipients"] if row["status"] == "denied"]
                self.say(f"sent {message_type} as {sender}: {answer['id']} queued for {queued or 'nobody'}, denied {denied or 'nobody'}")
                if not queued:
                    self.fail(f"{message_type}: no recipient")
                self.sent.append({"id": answer["id"], "type": message_type, "sender": sender, "queued": queued})

    def check_query_answer(self, message_type: str, agency: Agency, response):
        if response.status != 200:
            return self.fail(f"{message_type} from {agency.id}: {response.status} {response.error_code}")
        answer = response.json()
        try:
            claims = self.open_as(agency, answer["answer"])
        except Exception as error:
            return self.fail(f"{message_type}: the answer does not open: {error}")
        flags = claims.get("body", {}).get("flags", [])
        self.say(f"asked {message_type} as {agency.id}: answer {claims.get('type')} verified, {len(flags)} flag(s)")

    # --- receiving --------------------------------------------------------

    def start_receiver(self):
        agency = self.agencies[self.args.push_agency]
        self.receiver = PushReceiver(
            agency.id,
            agency.cert_file,
            agency.key_file,
            self.ca_file,
            hub_id=self.hub_id,
            open_delivery=lambda compact: self.open_as(agency, compact),
            revocation_file=self.args.revocations,
            port=self.args.push_port,
        ).start()
        self.say(f"push receiver for {agency.id} on https://127.0.0.1:{self.receiver.port}/")

    def pull_and_ack(self, deadline: float):
        waiting = {(row["id"], recipient) for row in self.sent for recipient in row["queued"] if recipient != self.args.push_agency}
        opened = 0
        while waiting and time.time() < deadline:
            for recipient in sorted({recipient for _, recipient in waiting}):
                listing = self.clients[recipient].get_json("/v1/inbox?limit=100")
                for item in listing["items"]:
                    key = (item["messageId"], recipient)
                    try:
                        claims = self.open_as(self.agencies[recipient], item["jwe"])
                    except Exception as error:
                        self.fail(f"inbox item {item['id']} for {recipient} does not open: {error}")
                        continue
                    if claims.get("provenance", {}).get("messageId") != item["messageId"].split(".notice.")[0]:
                        self.fail(f"inbox item {item['id']}: provenance does not match")
                    ack = self.clients[recipient].request("POST", f"/v1/inbox/{item['id']}/ack")
                    if ack.status != 200:
                        self.fail(f"ack of {item['id']} by {recipient}: {ack.status} {ack.error_code}")
                    opened += 1
                    waiting.discard(key)
            if waiting:
                time.sleep(0.2)
        for message_id, recipient in sorted(waiting):
            self.fail(f"{message_id} never reached {recipient}'s inbox")
        self.say(f"pulled, opened, verified and acknowledged {opened} inbox item(s)")

    def track(self, deadline: float):
        for row in self.sent:
            while True:
                tracking = self.clients[row["sender"]].get_json(f"/v1/messages/{row['id']}")
                states = {entry["agencyId"]: entry for entry in tracking["recipients"]}
                unsettled = [name for name in row["queued"] if states.get(name, {}).get("state") not in SETTLED]
                if not unsettled or time.time() > deadline:
                    break
                time.sleep(0.2)
            if unsettled:
                self.fail(f"{row['type']} {row['id']}: still {[(name, states[name]['state'], states[name].get('lastFailure')) for name in unsettled]}")
            for name in row["queued"]:
                entry = states.get(name, {})
                expected = "delivered" if name == self.args.push_agency else "acknowledged"
                if entry.get("state") != expected:
                    self.fail(f"{row['id']} for {name}: {entry.get('state')}, expected {expected}")
        self.say(f"tracked {len(self.sent)} message(s) to the end")

    def check_pushes(self):
        pushed = [row["id"] for row in self.sent if self.args.push_agency in row["queued"]]
        missing = [message_id for message_id in pushed if message_id not in self.receiver.deliveries]
        for message_id in missing:
            self.fail(f"{message_id} was not pushed to {self.args.push_agency}")
        for refusal in self.receiver.refusals:
            self.fail(f"push receiver refused a request: {refusal}")
        self.say(f"received, opened and verified {len(self.receiver.deliveries)} push(es) ({self.receiver.repeats} repeat(s) dropped)")

    def run(self) -> int:
        self.read_contract()
        self.capabilities()
        self.start_receiver()
        try:
            self.send_examples()
            deadline = time.time() + self.args.timeout
            self.pull_and_ack(deadline)
            self.track(deadline)
            self.check_pushes()
        finally:
            self.receiver.stop()
        if self.failures:
            self.say(f"{len(self.failures)} step(s) failed")
            return 1
        self.say("every step went as the protocol says")
        return 0


def main(argv) -> int:
    parser = argparse.ArgumentParser(description="a reference isp-hub agency in Python (jwcrypto)")
    parser.add_argument("--hub", required=True, help="the hub's URL, e.g. https://127.0.0.1:8443")
    parser.add_argument("--certs", required=True, help="the scheme folder: ca/cert.pem and agencies/<id>/{cert,key,encryption-cert,encryption-key}.pem")
    parser.add_argument("--examples", required=True, help="the folder of example messages (policies/examples)")
    parser.add_argument("--push-agency", required=True, help="the agency whose deliveries are pushed to this program")
    parser.add_argument("--push-port", type=int, required=True, help="the port of its endpoint (agencies.yaml names https://127.0.0.1:<port>/)")
    parser.add_argument("--revocations", help="the scheme's revocation list (certs-example/ca/revocations.json)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for deliveries")
    return Scenario(parser.parse_args(argv)).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
