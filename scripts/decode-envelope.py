"""Reads our Kafka topic from outside Rust, knowing only proto/gomarket/events/v1/envelope.proto.

Usage: decode-envelope.py BROKERS TOPIC KEY
Finds the first record whose key is KEY, decodes it as gomarket.events.v1.EventEnvelope and
prints it as JSON (field names as in the .proto). Exits 1 if no such record arrives in 30 s.
"""
import json
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(sys.executable), "..", "gen"))

from confluent_kafka import Consumer  # noqa: E402
from google.protobuf.json_format import MessageToDict  # noqa: E402

from gomarket.events.v1 import envelope_pb2  # noqa: E402


def main() -> int:
    brokers, topic, key = sys.argv[1:4]
    consumer = Consumer({
        "bootstrap.servers": brokers,
        "group.id": f"external-decode-{uuid.uuid4()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([topic])
    deadline = time.time() + 30
    try:
        while time.time() < deadline:
            message = consumer.poll(1.0)
            if message is None or message.error():
                continue
            if message.key() != key.encode():
                continue
            envelope = envelope_pb2.EventEnvelope()
            envelope.ParseFromString(message.value())
            decoded = MessageToDict(envelope, preserving_proto_field_name=True)
            decoded["headers"] = {k: v.decode() for k, v in (message.headers() or [])}
            print(json.dumps(decoded))
            return 0
    finally:
        consumer.close()
    print(f"no record with key {key} in {topic}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
