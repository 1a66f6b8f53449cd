"""Rebuilds "revenue by day" of one marketplace account from GoMarket's Kafka topic.

An example analytics consumer that knows only proto/gomarket/events/v1/envelope.proto and the
payloads' JSON (docs/operations.md, "Analytics consumers on Kafka"). Its figures equal
`salesSummary(accountId, from, to, groupBy: DAY) { buckets { start revenueKopecks } }`:

- buyouts (`SaleRecorded`) add their `price_with_discount`, returns (`ReturnRecorded`)
  subtract theirs (whatever sign Wildberries gave it), on the Moscow day (UTC+3) of `sold_at`
  / `returned_at`;
- delivery is at least once, so events are counted once by (aggregate type, aggregate id,
  sequence);
- one aggregate's events are in order on one partition (the record key is the aggregate id).

Usage: revenue_by_day.py BROKERS TOPIC ACCOUNT_ID [--idle SECONDS] [--group GROUP]
Reads TOPIC (e.g. gomarket.sales.events) from its beginning (a new consumer group each run,
unless --group names one that has committed offsets: then from where it left off), stops after
SECONDS (default 5) without a new record, and prints {"YYYY-MM-DD": revenue_kopecks, ...}.

Needs confluent-kafka and protobuf, and the classes protoc generates from the .proto:
    python -m grpc_tools.protoc -Iproto --python_out=GEN proto/gomarket/events/v1/envelope.proto
with GEN on PYTHONPATH (scripts/ensure-python-tools does all of it into target/pyenv).
"""
import argparse
import json
import os
import sys
import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(sys.executable), "..", "gen"))

from confluent_kafka import Consumer  # noqa: E402

from gomarket.events.v1 import envelope_pb2  # noqa: E402

MOSCOW = timezone(timedelta(hours=3))
AT = {"SaleRecorded": "sold_at", "ReturnRecorded": "returned_at"}


def moscow_day(rfc3339: str) -> str:
    at = datetime.fromisoformat(rfc3339.replace("Z", "+00:00"))
    return at.astimezone(MOSCOW).date().isoformat()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("brokers")
    parser.add_argument("topic")
    parser.add_argument("account_id")
    parser.add_argument("--idle", type=float, default=5.0)
    parser.add_argument("--group", default=None)
    args = parser.parse_args()
    consumer = Consumer({
        "bootstrap.servers": args.brokers,
        "group.id": args.group or f"revenue-by-day-{uuid.uuid4()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": args.group is not None,
    })
    consumer.subscribe([args.topic])
    seen = set()
    revenue = defaultdict(int)
    last_record = time.time()
    try:
        while time.time() - last_record < args.idle:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            last_record = time.time()
            envelope = envelope_pb2.EventEnvelope()
            envelope.ParseFromString(message.value())
            if envelope.event_type not in AT:
                continue
            key = (envelope.aggregate_type, envelope.aggregate_id, envelope.sequence)
            if key in seen:
                continue
            seen.add(key)
            fact = json.loads(envelope.payload_json)[envelope.event_type]
            if fact["account_id"] != args.account_id:
                continue
            amount = fact["price_with_discount"]
            if envelope.event_type == "ReturnRecorded":
                amount = -abs(amount)
            revenue[moscow_day(fact[AT[envelope.event_type]])] += amount
    finally:
        consumer.close()
    print(json.dumps(dict(sorted(revenue.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
