"""Background work named, so that the code that queues it need not import the tasks that run it
(which import the services they wrap): each app's tasks module registers its tasks here when the
app is ready, and services queue work by name.

`enqueue` runs one task; `publish` runs every task subscribed to a topic — e.g. "offer_event",
which the notifications and the API's webhooks subscribe to — so that the quotes app can say
that something happened to an offer without knowing who listens (docs/ARCHITECTURE.md).
"""

from collections import defaultdict
from datetime import datetime

_tasks: dict = {}
_subscribers: dict[str, list] = defaultdict(list)


def register(name: str, task):
    _tasks[name] = task
    return task


def subscribe(topic: str, task):
    if task not in _subscribers[topic]:
        _subscribers[topic].append(task)
    return task


def enqueue(name: str, *args, run_after: datetime | None = None) -> None:
    task = _tasks[name]
    if run_after is not None:
        task = task.using(run_after=run_after)
    task.enqueue(*args)


def publish(topic: str, *args) -> None:
    for task in _subscribers.get(topic, ()):
        task.enqueue(*args)
