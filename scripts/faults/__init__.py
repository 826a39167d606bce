"""The fault-injection harness behind `make fault-test` (the entry point is scripts/fault_test.py).

- common: the settings of a run, logging and running commands;
- cluster: the throwaway PostgreSQL 15 cluster;
- portal: the portal's environment, manage.py and the gunicorn process;
- browser: a tiny stdlib HTTP client with a cookie jar, logged in as the staff user;
- clients: the client threads issuing offers, and the double submissions;
- database: the drafts before the run and the checks after it, through Django's ORM;
- report: the summary table and what the gunicorn log says went wrong.
"""
