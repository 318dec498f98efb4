"""The example messages of policies/examples/, moved to today.

They are written as of one day (EXAMPLES_WRITTEN_ON): an arrest "last
Thursday", risk flags due for review in three months, a child of 15. Sent as
they stand they would go stale (a flag whose review date has passed is
refused), so every date in them is moved by the whole days since that day,
keeping every interval and every age as written; the hub's own tests do the
same (src/messages/example-messages.ts).
"""

import datetime
import json
import os
import re

EXAMPLES_WRITTEN_ON = datetime.date(2026, 11, 22)
LEADING_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$")


def move_dates(value, days: int):
    if isinstance(value, str):
        match = LEADING_DATE.match(value)
        if not match:
            return value
        try:
            day = datetime.date.fromisoformat(match.group(1))
        except ValueError:
            return value
        return (day + datetime.timedelta(days=days)).isoformat() + (match.group(2) or "")
    if isinstance(value, list):
        return [move_dates(item, days) for item in value]
    if isinstance(value, dict):
        return {name: move_dates(item, days) for name, item in value.items()}
    return value


def read_examples(directory: str, today: datetime.date = None) -> dict:
    """Every example message by type, its dates moved to `today` (UTC)."""
    today = today or datetime.datetime.now(datetime.timezone.utc).date()
    days = (today - EXAMPLES_WRITTEN_ON).days
    examples = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".json"):
            with open(os.path.join(directory, name), "r", encoding="utf-8") as handle:
                message = json.load(handle)
            examples[message["type"]] = move_dates(message, days)
    return examples
