"""Background work named, so that services can queue it without importing the tasks module
(which imports the services it wraps): quotes/tasks.py registers each task here when the app is
ready, and services call `enqueue` with the task's name."""

from datetime import datetime

_tasks: dict = {}


def register(name: str, task):
    _tasks[name] = task
    return task


def enqueue(name: str, *args, run_after: datetime | None = None) -> None:
    task = _tasks[name]
    if run_after is not None:
        task = task.using(run_after=run_after)
    task.enqueue(*args)
