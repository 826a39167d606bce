"""Background work of the customers app (Django's tasks API; `manage.py db_worker` runs it).
Each task only wraps a service."""

from django_tasks import task

from common import queue
from customers import services


@task()
def csv_import(job_id: int) -> str:
    """Commit one previewed CSV file; safe to run twice."""
    return services.csv_import_run(job_id=job_id).status


queue.register("csv_import", csv_import)
